using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Register-tiled dot-product micro-kernels for <c>y[t, r] = x[t, :] · W[r, :]</c> over a range of weight
/// rows, single-threaded. Tokens go in groups of 8 against 2 rows (16 zmm accumulators: each weight vector is
/// loaded and widened once per 8 tokens, half the weight loads of a 4 × 4 tile), a leftover group of 4 against
/// 4 rows, and the 16 horizontal sums of a tile are one transposing tree (<see cref="VectorReductions.Sum16"/>).
/// Rows go in blocks of about 192 KiB so a block stays in L2 while all token groups pass over it; leftover
/// tokens use 1 token × 4 rows (the GEMV shape, which streams each weight row once). 16-wide loops when
/// <see cref="Vector512"/> is accelerated, then 8-wide, then scalar.
/// </summary>
internal static unsafe class MatMulKernels
{
    /// <summary>Weight bytes of one row block in the token-group loop (fits L2 with the activations).</summary>
    private const long RowBlockBytes = 192 * 1024;

    /// <summary>Use the 4 × 4 tile and L2 row blocks for groups of 4 tokens (default); false is the previous
    /// kernel (4 × 2, no blocking). A switch for interleaved A/B benchmarks only.</summary>
    internal static bool WideTile { get; set; } = true;

    /// <summary>Longest slice of a row one 8 × 2 tile runs over before its partial sums go to y: 8 tokens × 1024 FP32
    /// is 32 KiB of x, which stays in L1 (48 KiB) while every row pair of a block passes over it. Longer rows are cut
    /// into equal chunks (multiples of 16). Settable for A/B benchmarks only.</summary>
    internal static int KChunk { get; set; } = 1024;

    /// <summary>Most tokens for which F16 weights are widened in registers by the 8 × 2 tile (batched decode);
    /// more (prefill) convert 8-row tiles to FP32 once and reuse them across all tokens.</summary>
    internal const int MaxWideTokens = 16;

    /// <summary>Use the 8 × 2 tile for more than 4 tokens (default); false is the 4 × 4 tile there too. A switch
    /// for interleaved A/B benchmarks only.</summary>
    internal static bool Wide8 { get; set; } = true;

    /// <summary>
    /// Computes rows [<paramref name="rowBegin"/>, <paramref name="rowEnd"/>) of the output for all
    /// <paramref name="tokens"/> tokens. <paramref name="w"/> points at row 0 of a matrix with
    /// <paramref name="rowBytes"/> bytes per row; <paramref name="y"/>[t * yStride + r] receives the result.
    /// </summary>
    public static void Rows<L>(byte* w, long rowBytes, int n, float* x, int xStride, int tokens,
        float* y, int yStride, int rowBegin, int rowEnd)
        where L : struct, IRowLoader
    {
        // Row blocks of about RowBlockBytes stay in L2 while every token group passes over them.
        int rowBlock = WideTile ? Math.Max(4, (int)(RowBlockBytes / rowBytes) & ~3) : Math.Max(1, rowEnd - rowBegin);
        // More than 4 tokens (batched decode, prefill): groups of 8 tokens × 2 rows, so each weight vector is loaded
        // (and widened) once per 8 tokens; the first group of a row block is the one pass that reads it from DRAM.
        bool wide8 = Wide8 && WideTile && Vector512.IsHardwareAccelerated && tokens > 4;
        int groups8 = wide8 ? tokens & ~7 : 0;
        int groups = groups8 + ((tokens - groups8) & ~3);
        long elementBytes = rowBytes / n;
        int chunks = (n + KChunk - 1) / KChunk, chunk = chunks == 1 ? n : ((n + chunks - 1) / chunks + 15) & ~15;
        // 8 × 3 tiles need whole 16-element steps in every chunk: the same rows must form tiles in every chunk, and
        // leftover rows take their whole length once, in the first chunk.
        bool threeRows = L.ThreeRowTile && (n & 15) == 0;
        // Chunked, a block is as many rows as fit L2 at the chunk's width, so each x slice serves many row pairs.
        if (chunks > 1 && WideTile && groups8 > 0) rowBlock = Math.Max(4, (int)(RowBlockBytes / (chunk * elementBytes)) & ~3);
        for (int rb = rowBegin; rb < rowEnd && groups > 0; rb += rowBlock)
        {
            int re = Math.Min(rowEnd, rb + rowBlock);
            // Long rows go in column chunks so that 8 tokens' slice of x stays in L1 while the row pairs pass
            // over it; partial sums accumulate in y (whose block stays in L2 across the chunks).
            for (int kc = 0; kc < n && groups8 > 0; kc += chunk)
            {
                int len = Math.Min(chunk, n - kc);
                for (int tg = 0; tg < groups8; tg += 8)
                {
                    float* x0 = x + (long)tg * xStride;
                    float* y0 = y + (long)tg * yStride;
                    int r = rb;
                    if (threeRows)
                    {
                        // 8 tokens × 3 rows: 3 weight and 8 activation loads feed 24 FMAs (8 × 2: 10 feed 16).
                        for (; r + 3 <= re; r += 3)
                        {
                            Dot8x3<L>(w + r * rowBytes + kc * elementBytes, rowBytes, elementBytes, len, x0 + kc, xStride, y0 + r, yStride, tg == 0, kc > 0);
                        }
                    }
                    for (; r + 2 <= re; r += 2)
                    {
                        Dot8x2<L>(w + r * rowBytes + kc * elementBytes, rowBytes, elementBytes, len, x0 + kc, xStride, y0 + r, yStride, tg == 0, kc > 0);
                    }
                    for (; r < re && kc == 0; r++)
                    {
                        for (int j = 0; j < 8; j++) y0[(long)j * yStride + r] = Dot1x1<L>(w + r * rowBytes, x0 + (long)j * xStride, n);
                    }
                }
            }
            for (int tg = groups8; tg < groups; tg += 4)
            {
                float* x0 = x + (long)tg * xStride;
                float* y0 = y + (long)tg * yStride;
                int r = rb;
                if (WideTile && Vector512.IsHardwareAccelerated)
                {
                    for (; r + 4 <= re; r += 4) Dot4x4<L>(w + r * rowBytes, rowBytes, n, x0, xStride, y0 + r, yStride, tg == 0);
                }
                for (; r + 2 <= re; r += 2)
                {
                    Dot4x2<L>(w + r * rowBytes, w + (r + 1) * rowBytes, n, x0, xStride, y0 + r, yStride);
                }
                for (; r < re; r++)
                {
                    for (int j = 0; j < 4; j++) y0[(long)j * yStride + r] = Dot1x1<L>(w + r * rowBytes, x0 + (long)j * xStride, n);
                }
            }
            if (wide8)
            {
                // Leftover tokens (< 4) while the row block is still in L2, not in another pass over DRAM.
                for (int t = groups; t < tokens; t++) Gemv<L>(w, rowBytes, n, x + (long)t * xStride, y + (long)t * yStride, rb, re);
            }
        }
        for (int t = wide8 ? tokens : groups; t < tokens; t++)
        {
            Gemv<L>(w, rowBytes, n, x + (long)t * xStride, y + (long)t * yStride, rowBegin, rowEnd);
        }
    }

    private static void Gemv<L>(byte* w, long rowBytes, int n, float* xt, float* yt, int rowBegin, int rowEnd) where L : struct, IRowLoader
    {
        int r = rowBegin;
        for (; r + 4 <= rowEnd; r += 4) Dot1x4<L>(w + r * rowBytes, rowBytes, n, xt, yt + r);
        for (; r < rowEnd; r++) yt[r] = Dot1x1<L>(w + r * rowBytes, xt, n);
    }

    /// <summary>8 tokens × 3 rows over <paramref name="n"/> elements, a multiple of 16 (no tail); 24 zmm accumulators,
    /// so only for loaders whose widening needs few registers (<see cref="IRowLoader.ThreeRowTile"/>). With
    /// <paramref name="accumulate"/> the sums are added to y (column chunks after the first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot8x3<L>(byte* w0, long rowBytes, long elementBytes, int n, float* x0, int xs, float* y, int ys, bool prefetch, bool accumulate)
        where L : struct, IRowLoader
    {
        byte* w1 = w0 + rowBytes, w2 = w1 + rowBytes;
        Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        long step = 16 * elementBytes;
        byte* pf = w0 + 3 * rowBytes;
        for (int i = 0; i < n; i += 16)
        {
            if (prefetch)
            {
                Sse.Prefetch0(pf);
                Sse.Prefetch0(pf + rowBytes);
                Sse.Prefetch0(pf + 2 * rowBytes);
                pf += step;
            }
            Vector512<float> v0 = L.Load512(w0, i), v1 = L.Load512(w1, i), v2 = L.Load512(w2, i);
            float* p = x0 + i;
            Vector512<float> b = Vector512.Load(p);
            a00 = Vector512.FusedMultiplyAdd(v0, b, a00); a01 = Vector512.FusedMultiplyAdd(v1, b, a01); a02 = Vector512.FusedMultiplyAdd(v2, b, a02);
            p += xs; b = Vector512.Load(p);
            a10 = Vector512.FusedMultiplyAdd(v0, b, a10); a11 = Vector512.FusedMultiplyAdd(v1, b, a11); a12 = Vector512.FusedMultiplyAdd(v2, b, a12);
            p += xs; b = Vector512.Load(p);
            a20 = Vector512.FusedMultiplyAdd(v0, b, a20); a21 = Vector512.FusedMultiplyAdd(v1, b, a21); a22 = Vector512.FusedMultiplyAdd(v2, b, a22);
            p += xs; b = Vector512.Load(p);
            a30 = Vector512.FusedMultiplyAdd(v0, b, a30); a31 = Vector512.FusedMultiplyAdd(v1, b, a31); a32 = Vector512.FusedMultiplyAdd(v2, b, a32);
            p += xs; b = Vector512.Load(p);
            a40 = Vector512.FusedMultiplyAdd(v0, b, a40); a41 = Vector512.FusedMultiplyAdd(v1, b, a41); a42 = Vector512.FusedMultiplyAdd(v2, b, a42);
            p += xs; b = Vector512.Load(p);
            a50 = Vector512.FusedMultiplyAdd(v0, b, a50); a51 = Vector512.FusedMultiplyAdd(v1, b, a51); a52 = Vector512.FusedMultiplyAdd(v2, b, a52);
            p += xs; b = Vector512.Load(p);
            a60 = Vector512.FusedMultiplyAdd(v0, b, a60); a61 = Vector512.FusedMultiplyAdd(v1, b, a61); a62 = Vector512.FusedMultiplyAdd(v2, b, a62);
            p += xs; b = Vector512.Load(p);
            a70 = Vector512.FusedMultiplyAdd(v0, b, a70); a71 = Vector512.FusedMultiplyAdd(v1, b, a71); a72 = Vector512.FusedMultiplyAdd(v2, b, a72);
        }
        Vector512<float> sums = VectorReductions.Sum16(a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61, a70, a71);
        Vector512<float> third = VectorReductions.Sum16(a02, a12, a22, a32, a42, a52, a62, a72, // lanes 0-7
            default, default, default, default, default, default, default, default);
        for (int t = 0; t < 8; t++, y += ys)
        {
            float s0 = sums.GetElement(2 * t), s1 = sums.GetElement(2 * t + 1), s2 = third.GetElement(t);
            if (accumulate) { s0 += y[0]; s1 += y[1]; s2 += y[2]; }
            y[0] = s0; y[1] = s1; y[2] = s2;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot8x2<L>(byte* w0, long rowBytes, long elementBytes, int n, float* x0, int xs, float* y, int ys, bool prefetch, bool accumulate)
        where L : struct, IRowLoader
    {
        // One running activation pointer stepped by the token stride: eight token pointers plus the loop state
        // exceed the 16 general registers, and the JIT then reloads pointers from the stack in the loop.
        byte* w1 = w0 + rowBytes;
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
        Vector512<float> a40 = default, a41 = default, a50 = default, a51 = default;
        Vector512<float> a60 = default, a61 = default, a70 = default, a71 = default;
        int i = 0;
        long step = 16 * elementBytes;
        byte* pf = w0 + 4 * rowBytes;
        for (; i + 16 <= n; i += 16)
        {
            if (prefetch)
            {
                Sse.Prefetch0(pf);
                Sse.Prefetch0(pf + rowBytes);
                pf += step;
            }
            Vector512<float> v0 = L.Load512(w0, i), v1 = L.Load512(w1, i);
            float* p = x0 + i;
            Vector512<float> b = Vector512.Load(p);
            a00 = Vector512.FusedMultiplyAdd(v0, b, a00); a01 = Vector512.FusedMultiplyAdd(v1, b, a01);
            p += xs; b = Vector512.Load(p);
            a10 = Vector512.FusedMultiplyAdd(v0, b, a10); a11 = Vector512.FusedMultiplyAdd(v1, b, a11);
            p += xs; b = Vector512.Load(p);
            a20 = Vector512.FusedMultiplyAdd(v0, b, a20); a21 = Vector512.FusedMultiplyAdd(v1, b, a21);
            p += xs; b = Vector512.Load(p);
            a30 = Vector512.FusedMultiplyAdd(v0, b, a30); a31 = Vector512.FusedMultiplyAdd(v1, b, a31);
            p += xs; b = Vector512.Load(p);
            a40 = Vector512.FusedMultiplyAdd(v0, b, a40); a41 = Vector512.FusedMultiplyAdd(v1, b, a41);
            p += xs; b = Vector512.Load(p);
            a50 = Vector512.FusedMultiplyAdd(v0, b, a50); a51 = Vector512.FusedMultiplyAdd(v1, b, a51);
            p += xs; b = Vector512.Load(p);
            a60 = Vector512.FusedMultiplyAdd(v0, b, a60); a61 = Vector512.FusedMultiplyAdd(v1, b, a61);
            p += xs; b = Vector512.Load(p);
            a70 = Vector512.FusedMultiplyAdd(v0, b, a70); a71 = Vector512.FusedMultiplyAdd(v1, b, a71);
        }
        if (i == n)
        {
            // Lane 2t + r holds token t, row r: one 8-byte store per token.
            Vector512<float> sums = VectorReductions.Sum16(a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61, a70, a71);
            if (accumulate)
            {
                long s2 = 2L * ys, s3 = 3L * ys, s4 = 4L * ys, s5 = 5L * ys, s6 = 6L * ys, s7 = 7L * ys;
                sums += Vector512.Create(*(double*)y, *(double*)(y + ys), *(double*)(y + s2), *(double*)(y + s3),
                    *(double*)(y + s4), *(double*)(y + s5), *(double*)(y + s6), *(double*)(y + s7)).AsSingle();
            }
            Vector512<double> s = sums.AsDouble();
            *(double*)y = s.GetElement(0);
            y += ys; *(double*)y = s.GetElement(1);
            y += ys; *(double*)y = s.GetElement(2);
            y += ys; *(double*)y = s.GetElement(3);
            y += ys; *(double*)y = s.GetElement(4);
            y += ys; *(double*)y = s.GetElement(5);
            y += ys; *(double*)y = s.GetElement(6);
            y += ys; *(double*)y = s.GetElement(7);
            return;
        }
        float* x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs, x4 = x3 + xs, x5 = x4 + xs, x6 = x5 + xs, x7 = x6 + xs;
        // Reduce to scalars before the tail (no call may see live accumulators, see Dot4x4).
        float s00 = Vector512.Sum(a00), s01 = Vector512.Sum(a01), s10 = Vector512.Sum(a10), s11 = Vector512.Sum(a11);
        float s20 = Vector512.Sum(a20), s21 = Vector512.Sum(a21), s30 = Vector512.Sum(a30), s31 = Vector512.Sum(a31);
        float s40 = Vector512.Sum(a40), s41 = Vector512.Sum(a41), s50 = Vector512.Sum(a50), s51 = Vector512.Sum(a51);
        float s60 = Vector512.Sum(a60), s61 = Vector512.Sum(a61), s70 = Vector512.Sum(a70), s71 = Vector512.Sum(a71);
        for (; i < n; i++)
        {
            float v0 = L.Load1(w0, i), v1 = L.Load1(w1, i);
            float b = x0[i]; s00 += v0 * b; s01 += v1 * b;
            b = x1[i]; s10 += v0 * b; s11 += v1 * b;
            b = x2[i]; s20 += v0 * b; s21 += v1 * b;
            b = x3[i]; s30 += v0 * b; s31 += v1 * b;
            b = x4[i]; s40 += v0 * b; s41 += v1 * b;
            b = x5[i]; s50 += v0 * b; s51 += v1 * b;
            b = x6[i]; s60 += v0 * b; s61 += v1 * b;
            b = x7[i]; s70 += v0 * b; s71 += v1 * b;
        }
        if (accumulate)
        {
            float* yk = y;
            s00 += yk[0]; s01 += yk[1]; yk += ys; s10 += yk[0]; s11 += yk[1]; yk += ys; s20 += yk[0]; s21 += yk[1];
            yk += ys; s30 += yk[0]; s31 += yk[1]; yk += ys; s40 += yk[0]; s41 += yk[1]; yk += ys; s50 += yk[0]; s51 += yk[1];
            yk += ys; s60 += yk[0]; s61 += yk[1]; yk += ys; s70 += yk[0]; s71 += yk[1];
        }
        y[0] = s00; y[1] = s01;
        y += ys; y[0] = s10; y[1] = s11;
        y += ys; y[0] = s20; y[1] = s21;
        y += ys; y[0] = s30; y[1] = s31;
        y += ys; y[0] = s40; y[1] = s41;
        y += ys; y[0] = s50; y[1] = s51;
        y += ys; y[0] = s60; y[1] = s61;
        y += ys; y[0] = s70; y[1] = s71;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2<L>(byte* w0, byte* w1, int n, float* x, int xs, float* y, int ys) where L : struct, IRowLoader
    {
        float* x1 = x + xs, x2 = x1 + xs, x3 = x2 + xs;
        int i = 0;
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> v0 = L.Load512(w0, i), v1 = L.Load512(w1, i);
                Vector512<float> b = Vector512.Load(x + i);
                a00 = Vector512.FusedMultiplyAdd(v0, b, a00); a01 = Vector512.FusedMultiplyAdd(v1, b, a01);
                b = Vector512.Load(x1 + i);
                a10 = Vector512.FusedMultiplyAdd(v0, b, a10); a11 = Vector512.FusedMultiplyAdd(v1, b, a11);
                b = Vector512.Load(x2 + i);
                a20 = Vector512.FusedMultiplyAdd(v0, b, a20); a21 = Vector512.FusedMultiplyAdd(v1, b, a21);
                b = Vector512.Load(x3 + i);
                a30 = Vector512.FusedMultiplyAdd(v0, b, a30); a31 = Vector512.FusedMultiplyAdd(v1, b, a31);
            }
        }
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (; i + 8 <= n; i += 8)
        {
            Vector256<float> v0 = L.Load256(w0, i), v1 = L.Load256(w1, i);
            Vector256<float> b = Vector256.Load(x + i);
            c00 = Vector256.FusedMultiplyAdd(v0, b, c00); c01 = Vector256.FusedMultiplyAdd(v1, b, c01);
            b = Vector256.Load(x1 + i);
            c10 = Vector256.FusedMultiplyAdd(v0, b, c10); c11 = Vector256.FusedMultiplyAdd(v1, b, c11);
            b = Vector256.Load(x2 + i);
            c20 = Vector256.FusedMultiplyAdd(v0, b, c20); c21 = Vector256.FusedMultiplyAdd(v1, b, c21);
            b = Vector256.Load(x3 + i);
            c30 = Vector256.FusedMultiplyAdd(v0, b, c30); c31 = Vector256.FusedMultiplyAdd(v1, b, c31);
        }
        float s00 = Vector512.Sum(a00) + Vector256.Sum(c00), s01 = Vector512.Sum(a01) + Vector256.Sum(c01);
        float s10 = Vector512.Sum(a10) + Vector256.Sum(c10), s11 = Vector512.Sum(a11) + Vector256.Sum(c11);
        float s20 = Vector512.Sum(a20) + Vector256.Sum(c20), s21 = Vector512.Sum(a21) + Vector256.Sum(c21);
        float s30 = Vector512.Sum(a30) + Vector256.Sum(c30), s31 = Vector512.Sum(a31) + Vector256.Sum(c31);
        for (; i < n; i++)
        {
            float v0 = L.Load1(w0, i), v1 = L.Load1(w1, i);
            s00 += v0 * x[i]; s01 += v1 * x[i];
            s10 += v0 * x1[i]; s11 += v1 * x1[i];
            s20 += v0 * x2[i]; s21 += v1 * x2[i];
            s30 += v0 * x3[i]; s31 += v1 * x3[i];
        }
        y[0] = s00; y[1] = s01;
        y += ys; y[0] = s10; y[1] = s11;
        y += ys; y[0] = s20; y[1] = s21;
        y += ys; y[0] = s30; y[1] = s31;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x4<L>(byte* w0, long rowBytes, int n, float* x0, int xs, float* y, int ys, bool prefetch) where L : struct, IRowLoader
    {
        byte* w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        float* x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int i = 0;
        // The first token group of a row block reads it from DRAM: prefetch the next 4 rows then (batch-16 decode
        // 1.14x, interleaved); later groups find the block in L2 and skip it.
        long elementBytes = rowBytes / n, ahead = 4 * rowBytes;
        for (; i + 16 <= n; i += 16)
        {
            if (prefetch)
            {
                byte* pf = w0 + ahead + i * elementBytes;
                Sse.Prefetch0(pf);
                Sse.Prefetch0(pf + rowBytes);
                Sse.Prefetch0(pf + 2 * rowBytes);
                Sse.Prefetch0(pf + 3 * rowBytes);
            }
            Vector512<float> v0 = L.Load512(w0, i), v1 = L.Load512(w1, i), v2 = L.Load512(w2, i), v3 = L.Load512(w3, i);
            Vector512<float> b = Vector512.Load(x0 + i);
            a00 = Vector512.FusedMultiplyAdd(v0, b, a00); a01 = Vector512.FusedMultiplyAdd(v1, b, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, b, a02); a03 = Vector512.FusedMultiplyAdd(v3, b, a03);
            b = Vector512.Load(x1 + i);
            a10 = Vector512.FusedMultiplyAdd(v0, b, a10); a11 = Vector512.FusedMultiplyAdd(v1, b, a11);
            a12 = Vector512.FusedMultiplyAdd(v2, b, a12); a13 = Vector512.FusedMultiplyAdd(v3, b, a13);
            b = Vector512.Load(x2 + i);
            a20 = Vector512.FusedMultiplyAdd(v0, b, a20); a21 = Vector512.FusedMultiplyAdd(v1, b, a21);
            a22 = Vector512.FusedMultiplyAdd(v2, b, a22); a23 = Vector512.FusedMultiplyAdd(v3, b, a23);
            b = Vector512.Load(x3 + i);
            a30 = Vector512.FusedMultiplyAdd(v0, b, a30); a31 = Vector512.FusedMultiplyAdd(v1, b, a31);
            a32 = Vector512.FusedMultiplyAdd(v2, b, a32); a33 = Vector512.FusedMultiplyAdd(v3, b, a33);
        }
        if (i == n)
        {
            // Lane 4t + r holds token t, row r: one 16-byte store per token.
            Vector512<float> s = VectorReductions.Sum16(a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
            s.GetLower().GetLower().Store(y);
            Avx512F.ExtractVector128(s, 1).Store(y + ys);
            Avx512F.ExtractVector128(s, 2).Store(y + 2L * ys);
            Avx512F.ExtractVector128(s, 3).Store(y + 3L * ys);
            return;
        }
        // Reduce to scalars before the tail: no calls after the loop, or the JIT spills the accumulators
        // (live across a call) at their definition, inside the loop.
        float s00 = Vector512.Sum(a00), s01 = Vector512.Sum(a01), s02 = Vector512.Sum(a02), s03 = Vector512.Sum(a03);
        float s10 = Vector512.Sum(a10), s11 = Vector512.Sum(a11), s12 = Vector512.Sum(a12), s13 = Vector512.Sum(a13);
        float s20 = Vector512.Sum(a20), s21 = Vector512.Sum(a21), s22 = Vector512.Sum(a22), s23 = Vector512.Sum(a23);
        float s30 = Vector512.Sum(a30), s31 = Vector512.Sum(a31), s32 = Vector512.Sum(a32), s33 = Vector512.Sum(a33);
        for (; i < n; i++)
        {
            float v0 = L.Load1(w0, i), v1 = L.Load1(w1, i), v2 = L.Load1(w2, i), v3 = L.Load1(w3, i);
            float b0 = x0[i], b1 = x1[i], b2 = x2[i], b3 = x3[i];
            s00 += v0 * b0; s01 += v1 * b0; s02 += v2 * b0; s03 += v3 * b0;
            s10 += v0 * b1; s11 += v1 * b1; s12 += v2 * b1; s13 += v3 * b1;
            s20 += v0 * b2; s21 += v1 * b2; s22 += v2 * b2; s23 += v3 * b2;
            s30 += v0 * b3; s31 += v1 * b3; s32 += v2 * b3; s33 += v3 * b3;
        }
        y[0] = s00; y[1] = s01; y[2] = s02; y[3] = s03;
        y += ys; y[0] = s10; y[1] = s11; y[2] = s12; y[3] = s13;
        y += ys; y[0] = s20; y[1] = s21; y[2] = s22; y[3] = s23;
        y += ys; y[0] = s30; y[1] = s31; y[2] = s32; y[3] = s33;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4<L>(byte* w, long rowBytes, int n, float* x, float* y) where L : struct, IRowLoader
    {
        byte* w1 = w + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int i = 0;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        if (Vector512.IsHardwareAccelerated)
        {
            // Software prefetch of the next 4 rows at the same offset: the hardware prefetcher alone left BF16/F16
            // GEMVs well below the read bandwidth (interleaved A/B on S and M layer matrices: 1.2–1.8× with it).
            long elementBytes = rowBytes / n, ahead = 4 * rowBytes;
            for (; i + 16 <= n; i += 16)
            {
                byte* pf = w + ahead + i * elementBytes;
                Sse.Prefetch0(pf);
                Sse.Prefetch0(pf + rowBytes);
                Sse.Prefetch0(pf + 2 * rowBytes);
                Sse.Prefetch0(pf + 3 * rowBytes);
                Vector512<float> b = Vector512.Load(x + i);
                a0 = Vector512.FusedMultiplyAdd(L.Load512(w, i), b, a0);
                a1 = Vector512.FusedMultiplyAdd(L.Load512(w1, i), b, a1);
                a2 = Vector512.FusedMultiplyAdd(L.Load512(w2, i), b, a2);
                a3 = Vector512.FusedMultiplyAdd(L.Load512(w3, i), b, a3);
            }
        }
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (; i + 8 <= n; i += 8)
        {
            Vector256<float> b = Vector256.Load(x + i);
            c0 = Vector256.FusedMultiplyAdd(L.Load256(w, i), b, c0);
            c1 = Vector256.FusedMultiplyAdd(L.Load256(w1, i), b, c1);
            c2 = Vector256.FusedMultiplyAdd(L.Load256(w2, i), b, c2);
            c3 = Vector256.FusedMultiplyAdd(L.Load256(w3, i), b, c3);
        }
        float s0 = Vector512.Sum(a0) + Vector256.Sum(c0), s1 = Vector512.Sum(a1) + Vector256.Sum(c1);
        float s2 = Vector512.Sum(a2) + Vector256.Sum(c2), s3 = Vector512.Sum(a3) + Vector256.Sum(c3);
        for (; i < n; i++)
        {
            float b = x[i];
            s0 += L.Load1(w, i) * b; s1 += L.Load1(w1, i) * b;
            s2 += L.Load1(w2, i) * b; s3 += L.Load1(w3, i) * b;
        }
        y[0] = s0; y[1] = s1; y[2] = s2; y[3] = s3;
    }

    private static float Dot1x1<L>(byte* w, float* x, int n) where L : struct, IRowLoader
    {
        int i = 0;
        Vector512<float> a = default;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16) a = Vector512.FusedMultiplyAdd(L.Load512(w, i), Vector512.Load(x + i), a);
        }
        Vector256<float> c = default;
        for (; i + 8 <= n; i += 8) c = Vector256.FusedMultiplyAdd(L.Load256(w, i), Vector256.Load(x + i), c);
        float s = Vector512.Sum(a) + Vector256.Sum(c);
        for (; i < n; i++) s += L.Load1(w, i) * x[i];
        return s;
    }
}
