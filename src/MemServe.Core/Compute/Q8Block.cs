using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Symmetric int8 quantization in blocks of <see cref="Size"/> values (the Q8_0 idea): each block stores
/// <c>q[i] = round(x[i] / s)</c> in [-127, 127] with <c>s = max|x| / 127</c>, and dequantizes as <c>q[i] · s</c>.
/// Used for weights (at load) and for activations (per row, before each int8 matmul). A row of n values
/// takes <see cref="BlocksFor"/>(n) blocks; the tail of the last block is padded with zeros so kernels never
/// need a scalar tail.
/// </summary>
internal static unsafe class Q8Block
{
    /// <summary>Values per block (one 256-bit int8 vector).</summary>
    public const int Size = 32;

    /// <summary>Blocks needed for <paramref name="n"/> values.</summary>
    public static int BlocksFor(int n) => (n + Size - 1) / Size;

    /// <summary>Quantizes <paramref name="n"/> floats into <see cref="BlocksFor"/>(n) × 32 int8 values (zero padded)
    /// and one scale per block.</summary>
    public static void QuantizeRow(float* x, int n, sbyte* q, float* scales)
    {
        int blocks = BlocksFor(n);
        for (int b = 0; b < blocks; b++)
        {
            int start = b * Size, len = Math.Min(Size, n - start);
            if (len == Size && Vector512.IsHardwareAccelerated && Avx512F.IsSupported) QuantizeFull(x + start, q + start, scales + b);
            else QuantizeScalar(x + start, len, q + start, scales + b);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuantizeFull(float* x, sbyte* q, float* scale)
    {
        Vector512<float> a = Vector512.Load(x), c = Vector512.Load(x + 16);
        float amax = VectorReductions.MaxAcross(Vector512.MaxNative(Vector512.Abs(a), Vector512.Abs(c)));
        *scale = amax / 127f;
        var inv = Vector512.Create(amax > 0f ? 127f / amax : 0f);
        Vector512<int> ia = Vector512.ConvertToInt32(Vector512.Round(a * inv));
        Vector512<int> ic = Vector512.ConvertToInt32(Vector512.Round(c * inv));
        Avx512F.ConvertToVector128SByte(ia).Store(q);
        Avx512F.ConvertToVector128SByte(ic).Store(q + 16);
    }

    /// <summary>The reference quantizer (any length up to <see cref="Size"/>; pads the block with zeros).</summary>
    public static void QuantizeScalar(float* x, int len, sbyte* q, float* scale)
    {
        float amax = 0f;
        for (int i = 0; i < len; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        *scale = amax / 127f;
        float inv = amax > 0f ? 127f / amax : 0f;
        for (int i = 0; i < len; i++) q[i] = (sbyte)MathF.Round(x[i] * inv, MidpointRounding.ToEven);
        for (int i = len; i < Size; i++) q[i] = 0;
    }

    /// <summary>Sums of each block's int8 values (<paramref name="blocks"/> blocks of a quantized row), for kernels that
    /// multiply offset-unsigned weights (<see cref="Q8Panels"/>).</summary>
    public static void BlockSums(sbyte* q, int blocks, int* sums)
    {
        for (int b = 0; b < blocks; b++)
        {
            int sum = 0;
            for (int i = 0; i < Size; i++) sum += q[b * Size + i];
            sums[b] = sum;
        }
    }

    /// <summary>Dequantizes the first <paramref name="n"/> values of a quantized row into FP32.</summary>
    public static void DequantizeRow(sbyte* q, float* scales, int n, float* y)
    {
        for (int i = 0; i < n; i++) y[i] = q[i] * scales[i / Size];
    }
}
