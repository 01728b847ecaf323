using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>Random inputs and weights (stored in a dtype, returned as the floats actually stored) for kernel tests.</summary>
public static class MatMulTestData
{
    /// <summary>n uniform values in [-1, 1).</summary>
    public static float[] Random(Random random, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Writes random values as <paramref name="dtype"/> and returns what was stored, as floats.</summary>
    public static float[] RandomWeights(Random random, Span<byte> bytes, DType dtype, int n)
    {
        float[] v = Random(random, n);
        for (int i = 0; i < n; i++)
        {
            switch (dtype)
            {
                case DType.F32:
                    BitConverter.TryWriteBytes(bytes.Slice(i * 4), v[i]);
                    break;
                case DType.F16:
                    v[i] = (float)(Half)v[i];
                    BitConverter.TryWriteBytes(bytes.Slice(i * 2), (Half)v[i]);
                    break;
                default:
                    ushort bits = (ushort)(BitConverter.SingleToUInt32Bits(v[i]) >> 16);
                    v[i] = BitConverter.UInt32BitsToSingle((uint)bits << 16);
                    BitConverter.TryWriteBytes(bytes.Slice(i * 2), bits);
                    break;
            }
        }
        return v;
    }

    /// <summary>Each output against a double-precision sum of the stored weights times x (plus bias); NaN and infinite
    /// references must come out as NaN and the same infinity.</summary>
    public static void AssertMatchesReference(float[] w, float[] x, float[]? bias, float[] y, int tokens, int rows, int cols)
    {
        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                double expected = bias?[r] ?? 0;
                for (int i = 0; i < cols; i++) expected += (double)w[r * cols + i] * x[t * cols + i];
                float actual = y[t * rows + r];
                if (double.IsNaN(expected) || double.IsInfinity(expected))
                {
                    Assert.True(double.IsNaN(expected) ? float.IsNaN(actual) : actual == expected, $"y[{t}, {r}] = {actual}, expected {expected}");
                    continue;
                }
                Assert.True(Math.Abs(expected - actual) <= 1e-4 * (1 + Math.Abs(expected)), $"y[{t}, {r}] = {actual}, expected {expected}");
            }
        }
    }
}
