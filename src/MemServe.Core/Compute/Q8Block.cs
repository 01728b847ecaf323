using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Symmetric int8 quantization in blocks of <see cref="Size"/> values (the Q8_0 idea): each block stores
/// <c>q[i] = round(x[i] / s)</c> in [-127, 127] with <c>s = max|x| / 127</c>, and dequantizes as <c>q[i] · s</c>.
/// Used for weights (at load) and for activations (per row, before each int8 matmul). A row of n values
/// takes <see cref="BlocksFor"/>(n) blocks; the tail of the last block is padded with zeros so kernels never
/// need a scalar tail. <see cref="QuantizeScalar"/> is the reference every path matches bit for bit.
/// </summary>
internal static unsafe class Q8Block
{
    /// <summary>Values per block (one 256-bit int8 vector).</summary>
    public const int Size = 32;

    /// <summary>Blocks needed for <paramref name="n"/> values.</summary>
    public static int BlocksFor(int n) => (n + Size - 1) / Size;

    /// <summary>Quantizes <paramref name="n"/> floats into <see cref="BlocksFor"/>(n) × 32 int8 values (zero padded)
    /// and one scale per block, on the process's path (<see cref="CpuKernels.Path"/>). Every path gives exactly the
    /// values and scales of <see cref="QuantizeScalar"/> (finite input).</summary>
    public static void QuantizeRow(float* x, int n, sbyte* q, float* scales) => QuantizeRow(CpuKernels.Path, x, n, q, scales);

    /// <summary>As <see cref="QuantizeRow(float*, int, sbyte*, float*)"/> on <paramref name="path"/>'s kernels (which the
    /// CPU must support): 512-bit, 256-bit or <see cref="Vector128"/> full blocks; a partial last block is scalar.</summary>
    internal static void QuantizeRow(CpuKernelPath path, float* x, int n, sbyte* q, float* scales)
    {
        int full = n / Size, blocks = BlocksFor(n);
        if (path == CpuKernelPath.Avx512)
        {
            for (int b = 0; b < full; b++) Quantize512(x + b * Size, q + b * Size, scales + b);
        }
        else if (path == CpuKernelPath.Avx2)
        {
            for (int b = 0; b < full; b++) Quantize256(x + b * Size, q + b * Size, scales + b);
        }
        else
        {
            for (int b = 0; b < full; b++) Quantize128(x + b * Size, q + b * Size, scales + b);
        }
        if (full < blocks) QuantizeScalar(x + full * Size, n - full * Size, q + full * Size, scales + full);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quantize512(float* x, sbyte* q, float* scale)
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

    /// <summary>A full block in 256-bit vectors: the same <c>x · (127 / amax)</c> products as the scalar reference,
    /// rounded half to even, narrowed (values are within [-127, 127]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quantize256(float* x, sbyte* q, float* scale)
    {
        Vector256<float> a = Vector256.Load(x), b = Vector256.Load(x + 8), c = Vector256.Load(x + 16), d = Vector256.Load(x + 24);
        Vector256<float> m = Vector256.MaxNative(Vector256.MaxNative(Vector256.Abs(a), Vector256.Abs(b)), Vector256.MaxNative(Vector256.Abs(c), Vector256.Abs(d)));
        float amax = MaxAcross(Vector128.MaxNative(m.GetLower(), m.GetUpper()));
        *scale = amax / 127f;
        var inv = Vector256.Create(amax > 0f ? 127f / amax : 0f);
        Vector256<short> lo = Vector256.Narrow(Vector256.ConvertToInt32(Vector256.Round(a * inv)), Vector256.ConvertToInt32(Vector256.Round(b * inv)));
        Vector256<short> hi = Vector256.Narrow(Vector256.ConvertToInt32(Vector256.Round(c * inv)), Vector256.ConvertToInt32(Vector256.Round(d * inv)));
        Vector256.Narrow(lo, hi).Store(q);
    }

    /// <summary>A full block in <see cref="Vector128"/> operations (portable), as <see cref="Quantize256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quantize128(float* x, sbyte* q, float* scale)
    {
        Vector128<float> m = Vector128<float>.Zero;
        for (int i = 0; i < Size; i += 4) m = Vector128.MaxNative(m, Vector128.Abs(Vector128.Load(x + i)));
        float amax = MaxAcross(m);
        *scale = amax / 127f;
        var inv = Vector128.Create(amax > 0f ? 127f / amax : 0f);
        for (int i = 0; i < Size; i += 16)
        {
            Vector128<short> lo = Vector128.Narrow(Round(x + i, inv), Round(x + i + 4, inv));
            Vector128<short> hi = Vector128.Narrow(Round(x + i + 8, inv), Round(x + i + 12, inv));
            Vector128.Narrow(lo, hi).Store(q + i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Round(float* x, Vector128<float> inv) => Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x) * inv));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector128<float> h)
    {
        h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        return h.ToScalar();
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
    /// multiply offset-unsigned weights (<see cref="Q8Panels"/>), on the process's path.</summary>
    public static void BlockSums(sbyte* q, int blocks, int* sums) => BlockSums(CpuKernels.Path, q, blocks, sums);

    /// <summary>As <see cref="BlockSums(sbyte*, int, int*)"/> in 256-bit vectors on the AVX2 and AVX-512 paths, else
    /// <see cref="Vector128"/>: bytes widened to int16 and int16 to int32, then added across.</summary>
    internal static void BlockSums(CpuKernelPath path, sbyte* q, int blocks, int* sums)
    {
        if (path >= CpuKernelPath.Avx2)
        {
            for (int b = 0; b < blocks; b++, q += Size)
            {
                Vector256<sbyte> v = Vector256.Load(q);
                Vector256<short> h = Vector256.WidenLower(v) + Vector256.WidenUpper(v);
                sums[b] = Vector256.Sum(Vector256.WidenLower(h) + Vector256.WidenUpper(h));
            }
            return;
        }
        for (int b = 0; b < blocks; b++, q += Size)
        {
            Vector128<sbyte> l = Vector128.Load(q), u = Vector128.Load(q + 16);
            Vector128<short> h = Vector128.WidenLower(l) + Vector128.WidenUpper(l) + Vector128.WidenLower(u) + Vector128.WidenUpper(u);
            sums[b] = Vector128.Sum(Vector128.WidenLower(h) + Vector128.WidenUpper(h));
        }
    }

    /// <summary>Dequantizes the first <paramref name="n"/> values of a quantized row into FP32.</summary>
    public static void DequantizeRow(sbyte* q, float* scales, int n, float* y)
    {
        for (int i = 0; i < n; i++) y[i] = q[i] * scales[i / Size];
    }
}
