using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Int8 × int8 micro-kernels for <c>y[t, r] = Σ_b sw[r, b] · sx[t, b] · Σ_i qw[r, 32b + i] · qx[t, 32b + i]</c>
/// over a range of row-major Q8 weight rows, single-threaded (the runner's copy when weights are not packed). On the
/// AVX2 and AVX-512 paths each 32-value block is one 256-bit int8 dot product (<see cref="IInt8Dot"/>) of <c>|qx|</c>
/// and <c>sign(qx) · qw</c>, so both signed operands work: <c>vpdpbusd</c> where <see cref="CpuKernels.Int8DotProduct"/>, else
/// <c>vpmaddubsw</c> + <c>vpmaddwd</c>; the int32 block sums are converted and accumulated in FP32 with the product
/// of the two block scales. Tiles as <see cref="MatMulKernels"/>: 4 tokens × 2 rows, else 1 token × 4 rows (GEMV,
/// streaming each weight row once). The portable path is <see cref="Q8KernelsPortable"/>; <see cref="DotScalar"/> is
/// the reference the tests check them all against.
/// </summary>
internal static unsafe class Q8Kernels
{
    /// <summary>Rows [<paramref name="rowBegin"/>, <paramref name="rowEnd"/>) for all tokens. <paramref name="xq"/> is
    /// (tokens, blocks × 32) int8 and <paramref name="xs"/> (tokens, blocks) scales, from <see cref="Q8Block.QuantizeRow(float*, int, sbyte*, float*)"/>.
    /// Runs the process's path (<see cref="CpuKernels.Path"/>).</summary>
    public static void Rows(in WeightMatrix w, sbyte* xq, float* xs, int tokens, float* y, int yStride, int rowBegin, int rowEnd) =>
        Rows(CpuKernels.Path, CpuKernels.Int8DotProduct, w, xq, xs, tokens, y, yStride, rowBegin, rowEnd);

    /// <summary>As <see cref="Rows(in WeightMatrix, sbyte*, float*, int, float*, int, int, int)"/> on the kernels of
    /// <paramref name="path"/> (which the CPU must support), with <c>vpdpbusd</c> when <paramref name="vnni"/> (needs
    /// <see cref="AvxVnni"/>; ignored on the portable path).</summary>
    internal static void Rows(CpuKernelPath path, bool vnni, in WeightMatrix w, sbyte* xq, float* xs, int tokens, float* y, int yStride, int rowBegin, int rowEnd)
    {
        if (path == CpuKernelPath.Portable) Q8KernelsPortable.Rows(w, xq, xs, tokens, y, yStride, rowBegin, rowEnd);
        else if (vnni) Rows<VnniDot>(w, xq, xs, tokens, y, yStride, rowBegin, rowEnd);
        else Rows<MaddubsDot>(w, xq, xs, tokens, y, yStride, rowBegin, rowEnd);
    }

    private static void Rows<D>(in WeightMatrix w, sbyte* xq, float* xs, int tokens, float* y, int yStride, int rowBegin, int rowEnd)
        where D : IInt8Dot
    {
        int blocks = w.BlocksPerRow;
        long xStride = (long)blocks * Q8Block.Size;
        int tk = 0;
        for (; tk + 4 <= tokens; tk += 4)
        {
            int r = rowBegin;
            for (; r + 2 <= rowEnd; r += 2)
            {
                Dot4x2<D>(w, r, xq + tk * xStride, xs + (long)tk * blocks, xStride, y + (long)tk * yStride + r, yStride);
            }
            for (; r < rowEnd; r++)
            {
                for (int j = 0; j < 4; j++)
                {
                    int t = tk + j;
                    y[(long)t * yStride + r] = Dot1x1<D>((sbyte*)w.Row(r), w.Scales + (long)r * blocks, xq + t * xStride, xs + (long)t * blocks, blocks);
                }
            }
        }
        for (; tk < tokens; tk++)
        {
            sbyte* x = xq + tk * xStride;
            float* sx = xs + (long)tk * blocks;
            float* yt = y + (long)tk * yStride;
            int r = rowBegin;
            for (; r + 4 <= rowEnd; r += 4) Dot1x4<D>(w, r, x, sx, yt + r);
            for (; r < rowEnd; r++) yt[r] = Dot1x1<D>((sbyte*)w.Row(r), w.Scales + (long)r * blocks, x, sx, blocks);
        }
    }

    /// <summary>The reference: plain integer sums per block.</summary>
    public static float DotScalar(sbyte* w, float* sw, sbyte* x, float* sx, int blocks)
    {
        float s = 0f;
        for (int b = 0; b < blocks; b++)
        {
            int sum = 0;
            for (int i = 0; i < Q8Block.Size; i++) sum += w[b * Q8Block.Size + i] * x[b * Q8Block.Size + i];
            s += sum * (sw[b] * sx[b]);
        }
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block<D>(Vector256<byte> ax, Vector256<sbyte> x, Vector256<sbyte> w) where D : IInt8Dot =>
        Avx.ConvertToVector256Single(D.Dot(ax, Avx2.Sign(w, x)));

    private static float Dot1x1<D>(sbyte* w, float* sw, sbyte* x, float* sx, int blocks) where D : IInt8Dot
    {
        Vector256<float> acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            Vector256<sbyte> xv = Vector256.Load(x + b * Q8Block.Size);
            Vector256<float> d = Block<D>(Avx2.Abs(xv), xv, Vector256.Load(w + b * Q8Block.Size));
            acc = Vector256.FusedMultiplyAdd(d, Vector256.Create(sw[b] * sx[b]), acc);
        }
        return Vector256.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4<D>(in WeightMatrix w, int r, sbyte* x, float* sx, float* y) where D : IInt8Dot
    {
        int blocks = w.BlocksPerRow;
        sbyte* w0 = (sbyte*)w.Row(r), w1 = w0 + w.RowBytes, w2 = w1 + w.RowBytes, w3 = w2 + w.RowBytes;
        float* s0 = w.Scales + (long)r * blocks, s1 = s0 + blocks, s2 = s1 + blocks, s3 = s2 + blocks;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        long ahead = 4 * w.RowBytes;
        for (int b = 0; b < blocks; b++)
        {
            int o = b * Q8Block.Size;
            // Prefetch the next 4 rows (and their scales): 1.3× on S layer matrices, interleaved A/B.
            sbyte* pf = w0 + ahead + o;
            Sse.Prefetch0(pf);
            Sse.Prefetch0(pf + w.RowBytes);
            Sse.Prefetch0(pf + 2 * w.RowBytes);
            Sse.Prefetch0(pf + 3 * w.RowBytes);
            if ((b & 15) == 0)
            {
                // Each of the next 4 rows' scales (one line per 16 blocks): prefetching only the first row's was 1.06–1.08×
                // slower (layer GEMV probe, M and L).
                float* ps = s0 + 4L * blocks + b;
                Sse.Prefetch0(ps);
                Sse.Prefetch0(ps + blocks);
                Sse.Prefetch0(ps + 2L * blocks);
                Sse.Prefetch0(ps + 3L * blocks);
            }
            Vector256<sbyte> xv = Vector256.Load(x + o);
            Vector256<byte> ax = Avx2.Abs(xv);
            float s = sx[b];
            a0 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, Vector256.Load(w0 + o)), Vector256.Create(s0[b] * s), a0);
            a1 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, Vector256.Load(w1 + o)), Vector256.Create(s1[b] * s), a1);
            a2 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, Vector256.Load(w2 + o)), Vector256.Create(s2[b] * s), a2);
            a3 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, Vector256.Load(w3 + o)), Vector256.Create(s3[b] * s), a3);
        }
        y[0] = Vector256.Sum(a0); y[1] = Vector256.Sum(a1); y[2] = Vector256.Sum(a2); y[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2<D>(in WeightMatrix w, int r, sbyte* x, float* sx, long xStride, float* y, int yStride) where D : IInt8Dot
    {
        int blocks = w.BlocksPerRow;
        sbyte* w0 = (sbyte*)w.Row(r), w1 = w0 + w.RowBytes;
        float* s0 = w.Scales + (long)r * blocks, s1 = s0 + blocks;
        sbyte* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        float* t1 = sx + blocks, t2 = t1 + blocks, t3 = t2 + blocks;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (int b = 0; b < blocks; b++)
        {
            int o = b * Q8Block.Size;
            Vector256<sbyte> v0 = Vector256.Load(w0 + o), v1 = Vector256.Load(w1 + o);
            float c0 = s0[b], c1 = s1[b];
            Vector256<sbyte> xv = Vector256.Load(x + o);
            Vector256<byte> ax = Avx2.Abs(xv);
            float s = sx[b];
            a00 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v0), Vector256.Create(c0 * s), a00);
            a01 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v1), Vector256.Create(c1 * s), a01);
            xv = Vector256.Load(x1 + o); ax = Avx2.Abs(xv); s = t1[b];
            a10 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v0), Vector256.Create(c0 * s), a10);
            a11 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v1), Vector256.Create(c1 * s), a11);
            xv = Vector256.Load(x2 + o); ax = Avx2.Abs(xv); s = t2[b];
            a20 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v0), Vector256.Create(c0 * s), a20);
            a21 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v1), Vector256.Create(c1 * s), a21);
            xv = Vector256.Load(x3 + o); ax = Avx2.Abs(xv); s = t3[b];
            a30 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v0), Vector256.Create(c0 * s), a30);
            a31 = Vector256.FusedMultiplyAdd(Block<D>(ax, xv, v1), Vector256.Create(c1 * s), a31);
        }
        y[0] = Vector256.Sum(a00); y[1] = Vector256.Sum(a01);
        y += yStride; y[0] = Vector256.Sum(a10); y[1] = Vector256.Sum(a11);
        y += yStride; y[0] = Vector256.Sum(a20); y[1] = Vector256.Sum(a21);
        y += yStride; y[0] = Vector256.Sum(a30); y[1] = Vector256.Sum(a31);
    }
}
