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

    /// <summary>Longest slice of a row one 8-token tile runs over before its partial sums go to y: 8 tokens × 1024 FP32
    /// is 32 KiB of x, which stays in L1 (48 KiB) while every row group of a block passes over it. Longer rows are cut
    /// into equal chunks (multiples of 16); 512 and 256 measured slower.</summary>
    private const int KChunk = 1024;

    /// <summary>Most tokens for which F16 weights are widened in registers by the tiles (batched decode); more
    /// (prefill) convert 64-row tiles to FP32 once and reuse them across all tokens.</summary>
    internal const int MaxWideTokens = 16;

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
        bool wide8 = WideTile && CpuKernels.Path == CpuKernelPath.Avx512 && tokens > 4;
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
                            EightTokenTiles.Dot8x3<L>(w + r * rowBytes + kc * elementBytes, rowBytes, elementBytes, len, x0 + kc, xStride, y0 + r, yStride, tg == 0, kc > 0);
                        }
                    }
                    for (; r + 2 <= re; r += 2)
                    {
                        EightTokenTiles.Dot8x2<L>(w + r * rowBytes + kc * elementBytes, rowBytes, elementBytes, len, x0 + kc, xStride, y0 + r, yStride, tg == 0, kc > 0);
                    }
                    for (; r < re && kc == 0; r++)
                    {
                        for (int j = 0; j < 8; j++) y0[(long)j * yStride + r] = GemvKernels.Dot1x1<L>(w + r * rowBytes, x0 + (long)j * xStride, n);
                    }
                }
            }
            for (int tg = groups8; tg < groups; tg += 4)
            {
                float* x0 = x + (long)tg * xStride;
                float* y0 = y + (long)tg * yStride;
                int r = rb;
                if (WideTile && CpuKernels.Path == CpuKernelPath.Avx512)
                {
                    for (; r + 4 <= re; r += 4) FourTokenTiles.Dot4x4<L>(w + r * rowBytes, rowBytes, n, x0, xStride, y0 + r, yStride, tg == 0);
                }
                for (; r + 2 <= re; r += 2)
                {
                    FourTokenTiles.Dot4x2<L>(w + r * rowBytes, w + (r + 1) * rowBytes, n, x0, xStride, y0 + r, yStride);
                }
                for (; r < re; r++)
                {
                    for (int j = 0; j < 4; j++) y0[(long)j * yStride + r] = GemvKernels.Dot1x1<L>(w + r * rowBytes, x0 + (long)j * xStride, n);
                }
            }
            if (wide8)
            {
                // Leftover tokens (< 4) while the row block is still in L2, not in another pass over DRAM.
                for (int t = groups; t < tokens; t++) GemvKernels.Gemv<L>(w, rowBytes, n, x + (long)t * xStride, y + (long)t * yStride, rb, re);
            }
        }
        for (int t = wide8 ? tokens : groups; t < tokens; t++)
        {
            GemvKernels.Gemv<L>(w, rowBytes, n, x + (long)t * xStride, y + (long)t * yStride, rowBegin, rowEnd);
        }
    }
}
