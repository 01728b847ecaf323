using MemServe.Compute;
using MemServe.Core.Tests.Compute;
using MemServe.Model;

namespace MemServe.Core.Tests.Model;

/// <summary>The span conversions between BF16 and F32 on each kernel path against the scalar forms, bit for bit,
/// including NaNs, infinities, subnormals and the elements past the last full vector.</summary>
public class HalfPrecisionPathTests
{
    [KernelPathTheory(CpuKernelPath.Avx512)]
    [InlineData(65536 + 31)]
    [InlineData(7)]
    public void Avx512_bf16_widening_is_exact(int length) => CheckWidening(length, CpuKernelPath.Avx512);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [InlineData(65536 + 15)]
    [InlineData(7)]
    public void Avx2_bf16_widening_is_exact(int length) => CheckWidening(length, CpuKernelPath.Avx2);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [InlineData(65536 + 7)]
    [InlineData(3)]
    public void Portable_bf16_widening_is_exact(int length) => CheckWidening(length, CpuKernelPath.Portable);

    [KernelPathTheory(CpuKernelPath.Avx512)]
    [InlineData(1001)]
    [InlineData(63)]
    public void Avx512_bf16_narrowing_matches_the_scalar_rounding(int length) => CheckNarrowing(length, CpuKernelPath.Avx512);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [InlineData(1001)]
    [InlineData(31)]
    public void Avx2_bf16_narrowing_matches_the_scalar_rounding(int length) => CheckNarrowing(length, CpuKernelPath.Avx2);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [InlineData(1001)]
    [InlineData(23)]
    public void Portable_bf16_narrowing_matches_the_scalar_rounding(int length) => CheckNarrowing(length, CpuKernelPath.Portable);

    private static void CheckWidening(int length, CpuKernelPath path)
    {
        var bits = new ushort[length];
        for (int i = 0; i < length; i++) bits[i] = (ushort)(i * 40503); // every pattern once per 65536, in scrambled order
        var converted = new float[length];

        HalfPrecision.BF16ToF32(bits, converted, path);

        for (int i = 0; i < length; i++) Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(converted[i]));
    }

    private static void CheckNarrowing(int length, CpuKernelPath path)
    {
        float[] values = HalfReference.InterestingFloats(length);
        var random = new Random(length);
        for (int i = 0; i < length; i += 5) values[i] = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)); // NaNs too
        var bits = new ushort[length];

        HalfPrecision.F32ToBF16(values, bits, path);

        for (int i = 0; i < length; i++) Assert.Equal(HalfPrecision.FloatToBF16(values[i]), bits[i]);
    }
}
