using System.Runtime.Intrinsics;
using MemServe.Compute;

namespace MemServe.Core.Tests.Compute;

/// <summary>The in-register F16 widening against .NET's scalar <see cref="Half"/> conversion.</summary>
public unsafe class F16LoaderTests
{
    [Fact]
    public void Widens_every_half_exactly()
    {
        var halves = new ushort[65536];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
        fixed (ushort* p = halves)
        {
            for (int i = 0; i < halves.Length; i += 16)
            {
                float[] wide = new float[16];
                F16Loader.Load512((byte*)p, i).CopyTo(wide);
                float[] narrow = new float[8];
                F16Loader.Load256((byte*)p, i + 8).CopyTo(narrow);
                for (int k = 0; k < 16; k++) AssertSame((float)BitConverter.UInt16BitsToHalf(halves[i + k]), wide[k], i + k);
                for (int k = 0; k < 8; k++) AssertSame((float)BitConverter.UInt16BitsToHalf(halves[i + 8 + k]), narrow[k], i + 8 + k);
            }
        }
    }

    private static void AssertSame(float expected, float actual, int bits)
    {
        if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"0x{bits:X4}: expected NaN, got {actual}");
        else Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual), $"0x{bits:X4}: expected {expected}, got {actual}");
    }
}
