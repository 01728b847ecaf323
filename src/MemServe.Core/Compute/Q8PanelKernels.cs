using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// One implementation of the int8 × int8 products over packed Q8 panels (<see cref="Q8Panels"/>), chosen by
/// <see cref="Q8PanelKernels.Rows(CpuKernelPath, bool, byte*, int, int, sbyte*, float*, int*, int, float*, int)"/>:
/// <see cref="Q8PanelVnni"/> (<c>vpdpbusd</c>), <see cref="Q8PanelAvx2"/> (<c>vpmaddubsw</c>/<c>vpmaddwd</c>) or
/// <see cref="Q8PanelPortable"/> (<see cref="Vector128"/>). Each writes rows [0, rows) of its panel's 16 outputs for
/// each token and nothing else; all read the same layout, so the runner packs once whatever the path.
/// </summary>
internal unsafe interface IQ8PanelKernel
{
    /// <summary>One token against one panel (<paramref name="blocks"/> records from <paramref name="record"/>).</summary>
    static abstract void Gemv(byte* record, int blocks, sbyte* x, float* xs, int* xsum, float* y, int rows);

    /// <summary>Up to 4 tokens (<paramref name="tokens"/> valid, <paramref name="xStride"/> bytes apart in
    /// <paramref name="x0"/>; scales and sums <paramref name="blocks"/> apart) against one panel; prefetches the
    /// panel's stream ahead when <paramref name="prefetch"/> (its first pass, from DRAM).</summary>
    static abstract void Tile4(byte* record, int blocks, sbyte* x0, long xStride, float* xs, int* xsum, float* y, int ys,
        int tokens, int rows, bool prefetch);
}

/// <summary>
/// Int8 × int8 matmul over packed Q8 panels (<see cref="Q8Panels"/>): one token runs the GEMV, one sequential stream
/// per panel (weights and scales together) prefetched from DRAM; more tokens run tiles of 4 tokens over panel blocks
/// that stay in L2. The int32 block sums are scaled by the rows' (F16) and the input's block scales into FP32
/// accumulators. Every <see cref="CpuKernelPath"/> runs it: <c>vpdpbusd</c> where <see cref="CpuKernels.Int8DotProduct"/>, else
/// <c>vpmaddubsw</c> on the AVX2 and AVX-512 paths, else <see cref="Vector128"/> widening products. Stateless and
/// thread-safe; callers split the rows over threads by whole panels.
/// </summary>
internal static unsafe class Q8PanelKernels
{
    /// <summary>Weight bytes of one panel block in the multi-token loop (fits L2).</summary>
    private const long BlockBytes = 256 * 1024;

    /// <summary>Bytes ahead of the current record that the kernels prefetch.</summary>
    private const int PrefetchBytes = 4096;

    /// <summary>
    /// <c>y[t, r] = x[t, :] · W[r, :]</c> for rows [0, <paramref name="rows"/>) of the packed Q8 matrix whose first panel
    /// is at <paramref name="panels"/>: <paramref name="xq"/> is (tokens, blocks × 32) int8, <paramref name="xs"/> and
    /// <paramref name="xsum"/> (tokens, blocks) block scales and block sums of the quantized input (the sums are read by
    /// the VNNI kernels only)
    /// (<see cref="Q8Block.QuantizeRow(float*, int, sbyte*, float*)"/>, <see cref="Q8Block.BlockSums(sbyte*, int, int*)"/>),
    /// <paramref name="y"/> (tokens, <paramref name="ys"/>). Runs the process's path (<see cref="CpuKernels.Path"/>).
    /// </summary>
    public static void Rows(byte* panels, int cols, int rows, sbyte* xq, float* xs, int* xsum, int tokens, float* y, int ys) =>
        Rows(CpuKernels.Path, CpuKernels.Int8DotProduct, panels, cols, rows, xq, xs, xsum, tokens, y, ys);

    /// <summary>As <see cref="Rows(byte*, int, int, sbyte*, float*, int*, int, float*, int)"/> on the kernels of
    /// <paramref name="path"/> (which the CPU must support), with <c>vpdpbusd</c> when <paramref name="vnni"/> (needs
    /// <see cref="AvxVnni"/>; ignored on the portable path). Tests and probes run each path in one process.</summary>
    internal static void Rows(CpuKernelPath path, bool vnni, byte* panels, int cols, int rows, sbyte* xq, float* xs, int* xsum,
        int tokens, float* y, int ys)
    {
        if (path == CpuKernelPath.Portable) Rows<Q8PanelPortable>(panels, cols, rows, xq, xs, xsum, tokens, y, ys);
        else if (vnni) Rows<Q8PanelVnni>(panels, cols, rows, xq, xs, xsum, tokens, y, ys);
        else Rows<Q8PanelAvx2>(panels, cols, rows, xq, xs, xsum, tokens, y, ys);
    }

    private static void Rows<K>(byte* panels, int cols, int rows, sbyte* xq, float* xs, int* xsum, int tokens, float* y, int ys)
        where K : IQ8PanelKernel
    {
        int blocks = Q8Block.BlocksFor(cols), count = Q8Panels.PanelsFor(rows);
        long panelBytes = Q8Panels.PanelBytes(cols), xStride = (long)blocks * Q8Block.Size;
        if (tokens == 1)
        {
            for (int p = 0; p < count; p++)
            {
                K.Gemv(panels + p * panelBytes, blocks, xq, xs, xsum, y + p * Q8Panels.Rows, Math.Min(Q8Panels.Rows, rows - p * Q8Panels.Rows));
            }
            return;
        }
        int block = (int)Math.Max(1, BlockBytes / panelBytes);
        for (int pb = 0; pb < count; pb += block)
        {
            int pe = Math.Min(count, pb + block);
            for (int t = 0; t < tokens; t += 4)
            {
                int valid = Math.Min(4, tokens - t);
                for (int p = pb; p < pe; p++)
                {
                    K.Tile4(panels + p * panelBytes, blocks, xq + t * xStride, xStride, xs + (long)t * blocks, xsum + (long)t * blocks,
                        y + (long)t * ys + p * Q8Panels.Rows, ys, valid, Math.Min(Q8Panels.Rows, rows - p * Q8Panels.Rows), t == 0);
                }
            }
        }
    }

    /// <summary>The 16 rows' F16 block scales of a record, widened exactly (scales are finite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Scales(byte* record, out Vector256<float> lo, out Vector256<float> hi)
    {
        lo = F16FiniteLoader.Load256(record + Q8Panels.ScalesOffset, 0);
        hi = F16FiniteLoader.Load256(record + Q8Panels.ScalesOffset, 8);
    }

    /// <summary>The lines of the record <see cref="PrefetchBytes"/> ahead (544 bytes: 9 lines, the last one shared).
    /// x86 only (AVX2 and VNNI kernels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Prefetch(byte* record)
    {
        byte* p = record + PrefetchBytes;
        Sse.Prefetch0(p); Sse.Prefetch0(p + 64); Sse.Prefetch0(p + 128); Sse.Prefetch0(p + 192); Sse.Prefetch0(p + 256);
        Sse.Prefetch0(p + 320); Sse.Prefetch0(p + 384); Sse.Prefetch0(p + 448); Sse.Prefetch0(p + Q8Panels.RecordBytes - 1);
    }

    /// <summary>Rows [0, rows) of a panel's 16 outputs; the last panel of a matrix stores through AVX masks (no
    /// AVX-512 instruction, no call, see <see cref="PanelTiles"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(float* y, Vector256<float> lo, Vector256<float> hi, int rows)
    {
        if (rows >= Q8Panels.Rows)
        {
            lo.Store(y);
            hi.Store(y + 8);
            return;
        }
        Avx.MaskStore(y, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rows)).AsSingle(), lo);
        Avx.MaskStore(y + 8, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rows - 8)).AsSingle(), hi);
    }
}
