using System.Runtime.InteropServices;
using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class HalfPrecisionTests
{
    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)] // 1.0 exact
    [InlineData(0x3F80_8000u, 0x3F80)] // tie, even below: stays
    [InlineData(0x3F81_8000u, 0x3F82)] // tie, odd below: rounds up to even
    [InlineData(0x3F80_8001u, 0x3F81)] // just above the tie
    [InlineData(0x3F80_7FFFu, 0x3F80)] // just below the tie
    [InlineData(0xBF81_8000u, 0xBF82)] // negative tie
    [InlineData(0x7F7F_FFFFu, 0x7F80)] // max float overflows to +inf
    [InlineData(0x7F80_0000u, 0x7F80)] // +inf
    [InlineData(0xFF80_0000u, 0xFF80)] // -inf
    [InlineData(0x0000_0001u, 0x0000)] // smallest subnormal rounds to zero
    [InlineData(0x0000_8000u, 0x0000)] // subnormal tie to even (zero)
    [InlineData(0x0001_8000u, 0x0002)] // subnormal tie to even (up)
    [InlineData(0x8000_0000u, 0x8000)] // -0
    public void FloatToBF16_rounds_to_nearest_even(uint floatBits, int expected)
    {
        Assert.Equal((ushort)expected, HalfPrecision.FloatToBF16(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Theory]
    [InlineData(0x7FC0_0000u)]
    [InlineData(0x7F80_0001u)] // signalling NaN whose truncation would be +inf
    [InlineData(0xFF80_0001u)]
    [InlineData(0x7FFF_FFFFu)] // rounding would carry into the sign bit
    public void FloatToBF16_keeps_NaN_a_NaN_with_its_sign(uint floatBits)
    {
        ushort bf16 = HalfPrecision.FloatToBF16(BitConverter.UInt32BitsToSingle(floatBits));

        Assert.True(float.IsNaN(HalfPrecision.BF16ToFloat(bf16)));
        Assert.Equal(floatBits >> 31, (uint)bf16 >> 15);
    }

    [Fact]
    public void FloatToBF16_matches_the_slow_reference_on_random_bit_patterns()
    {
        ulong state = 12345;
        for (int i = 0; i < 200_000; i++)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            float value = BitConverter.UInt32BitsToSingle((uint)(state >> 32));
            if (float.IsNaN(value)) continue;
            Assert.Equal(HalfReference.FloatToBF16(value), HalfPrecision.FloatToBF16(value));
        }
    }

    [Fact]
    public void BF16ToFloat_is_the_upper_half_of_the_float_for_every_pattern()
    {
        for (int bits = 0; bits < 65536; bits++)
        {
            float value = HalfPrecision.BF16ToFloat((ushort)bits);
            Assert.Equal((uint)bits << 16, BitConverter.SingleToUInt32Bits(value));
        }
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void ConvertToF32_decodes_every_16_bit_pattern_like_the_reference(DType dtype)
    {
        ushort[] all = new ushort[65536];
        for (int i = 0; i < all.Length; i++) all[i] = (ushort)i;
        float[] converted = new float[all.Length];

        HalfPrecision.ConvertToF32(MemoryMarshal.AsBytes(all.AsSpan()), dtype, converted);

        for (int i = 0; i < all.Length; i++)
        {
            double expected = dtype == DType.BF16 ? BitConverter.UInt32BitsToSingle((uint)i << 16) : HalfReference.DecodeF16(all[i]);
            if (double.IsNaN(expected)) Assert.True(float.IsNaN(converted[i]), $"pattern {i:X4}");
            else Assert.Equal(expected, (double)converted[i]);
        }
    }

    [Fact]
    public void ConvertFromF32_BF16_span_matches_scalar_including_the_tail()
    {
        float[] values = HalfReference.InterestingFloats(1001);
        byte[] raw = new byte[values.Length * 2];

        HalfPrecision.ConvertFromF32(values, DType.BF16, raw);

        ushort[] bits = MemoryMarshal.Cast<byte, ushort>(raw.AsSpan()).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i])) Assert.True(float.IsNaN(HalfPrecision.BF16ToFloat(bits[i])));
            else Assert.Equal(HalfReference.FloatToBF16(values[i]), bits[i]);
        }
    }

    [Fact]
    public void ConvertFromF32_F16_matches_the_slow_reference()
    {
        float[] values = HalfReference.InterestingFloats(997);
        byte[] raw = new byte[values.Length * 2];

        HalfPrecision.ConvertFromF32(values, DType.F16, raw);

        ushort[] bits = MemoryMarshal.Cast<byte, ushort>(raw.AsSpan()).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i])) Assert.True(double.IsNaN(HalfReference.DecodeF16(bits[i])));
            else Assert.Equal(HalfReference.FloatToF16(values[i]), bits[i]);
        }
    }

    [Theory]
    [InlineData(1f + 1f / 2048, 0x3C00)] // tie between 1 and 1+2^-10: even (1)
    [InlineData(1f + 3f / 2048, 0x3C02)] // tie: rounds up to even
    [InlineData(65520f, 0x7C00)] // halfway past the max half: +inf
    [InlineData(5.9604645e-8f, 0x0001)] // smallest subnormal half
    [InlineData(2.9802322e-8f, 0x0000)] // half of it: tie to even (zero)
    public void FloatToF16_rounds_to_nearest_even(float value, int expected)
    {
        Assert.Equal((ushort)expected, HalfPrecision.FloatToF16(value));
        Assert.Equal((ushort)expected, HalfReference.FloatToF16(value));
    }

    [Fact]
    public void F32_round_trip_is_a_copy()
    {
        float[] values = [1.5f, -2.25f, float.PositiveInfinity, 0f];
        byte[] raw = new byte[16];
        float[] back = new float[4];

        HalfPrecision.ConvertFromF32(values, DType.F32, raw);
        HalfPrecision.ConvertToF32(raw, DType.F32, back);

        Assert.Equal(values, back);
    }

    [Fact]
    public void Length_mismatch_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => HalfPrecision.ConvertToF32(new byte[6], DType.BF16, new float[4]));
    }
}
