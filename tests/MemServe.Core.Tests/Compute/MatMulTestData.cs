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
}
