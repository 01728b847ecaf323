using System.Runtime.Intrinsics;
using MemServe.Compute;

namespace MemServe.Core.Tests.Compute;

/// <summary>The in-register F16 widening against .NET's scalar <see cref="Half"/> conversion.</summary>
public unsafe class F16LoaderTests
{
    [Fact]
    public void Widens_every_half_exactly() => AssertWidensExactly<F16Loader>(static _ => true);

    [Fact]
    public void Finite_loader_widens_every_finite_half_exactly() => AssertWidensExactly<F16FiniteLoader>(static h => (h & 0x7C00) != 0x7C00);

    // Every 16-bit pattern the filter keeps, through Load512 and Load256, against .NET's scalar conversion.
    private static void AssertWidensExactly<L>(Func<ushort, bool> include) where L : struct, IRowLoader
    {
        var halves = new ushort[65536];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
        fixed (ushort* p = halves)
        {
            for (int i = 0; i < halves.Length; i += 16)
            {
                float[] wide = new float[16];
                L.Load512((byte*)p, i).CopyTo(wide);
                float[] narrow = new float[8];
                L.Load256((byte*)p, i + 8).CopyTo(narrow);
                for (int k = 0; k < 16; k++)
                {
                    if (include(halves[i + k])) AssertSame((float)BitConverter.UInt16BitsToHalf(halves[i + k]), wide[k], i + k);
                }
                for (int k = 0; k < 8; k++)
                {
                    if (include(halves[i + 8 + k])) AssertSame((float)BitConverter.UInt16BitsToHalf(halves[i + 8 + k]), narrow[k], i + 8 + k);
                }
            }
        }
    }

    [Theory]
    [InlineData(0x7C00)] // +inf
    [InlineData(0xFC00)] // -inf
    [InlineData(0x7E01)] // NaN
    public void A_matrix_with_inf_or_nan_keeps_the_exact_loader_and_propagates_it(int special)
    {
        const int rows = 5, cols = 70;
        var data = new ushort[rows * cols];
        for (int i = 0; i < data.Length; i++) data[i] = BitConverter.HalfToUInt16Bits((Half)((i % 13 - 6) * 0.125f));
        fixed (ushort* p = data)
        {
            Assert.True(new WeightMatrix((byte*)p, WeightFormat.F16, rows, cols).F16AllFinite);
            data[3 * cols + 20] = (ushort)special; // row 3, in the vector part
            var w = new WeightMatrix((byte*)p, WeightFormat.F16, rows, cols);
            Assert.False(w.F16AllFinite);
            var x = new float[cols];
            Array.Fill(x, 1f);
            var y = new float[rows];
            using var pool = new ComputeThreadPool(1);
            var matMul = new MatMul(pool, null, cols);
            fixed (float* px = x, py = y) matMul.Run(px, cols, 1, w, null, py, rows);
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)special);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(y[3]));
            else Assert.Equal(expected, y[3]);
            Assert.True(float.IsFinite(y[2]) && float.IsFinite(y[4]));
        }
    }

    private static void AssertSame(float expected, float actual, int bits)
    {
        if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"0x{bits:X4}: expected NaN, got {actual}");
        else Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual), $"0x{bits:X4}: expected {expected}, got {actual}");
    }
}
