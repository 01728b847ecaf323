using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Int8 × int8 kernels over packed Q8 panels (<see cref="Q8Panels"/>): per block, 8 steps of <c>vpdpbusd</c>
/// (<see cref="AvxVnni"/>, 256-bit) multiply the 16 rows' offset weights (<c>q + 128</c>, unsigned) with 4 broadcast
/// input bytes, <c>128 · Σ x</c> is subtracted, and the int32 sums are scaled by the rows' (F16) and the input's block scales
/// into FP32 accumulators. Each panel is one sequential stream (weights and scales together), prefetched 4 KiB ahead
/// from DRAM. One token runs the GEMV; more run tiles of 4 tokens over panel blocks that stay in L2. Needs AVX-VNNI
/// (the runner packs Q8 only then).
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
    /// <paramref name="xsum"/> (tokens, blocks) block scales and block sums of the quantized input.
    /// </summary>
    public static void Rows(byte* panels, int cols, int rows, sbyte* xq, float* xs, int* xsum, int tokens, float* y, int ys)
    {
        int blocks = Q8Block.BlocksFor(cols), count = Q8Panels.PanelsFor(rows);
        long panelBytes = Q8Panels.PanelBytes(cols), xStride = (long)blocks * Q8Block.Size;
        if (tokens == 1)
        {
            for (int p = 0; p < count; p++)
            {
                Gemv(panels + p * panelBytes, blocks, xq, xs, xsum, y + p * Q8Panels.Rows, Math.Min(Q8Panels.Rows, rows - p * Q8Panels.Rows));
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
                    Tile4(panels + p * panelBytes, blocks, xq + t * xStride, xStride, xs + (long)t * blocks, xsum + (long)t * blocks,
                        y + (long)t * ys + p * Q8Panels.Rows, ys, valid, Math.Min(Q8Panels.Rows, rows - p * Q8Panels.Rows), t == 0);
                }
            }
        }
    }

    /// <summary>One token against one panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemv(byte* record, int blocks, sbyte* x, float* xs, int* xsum, float* y, int rows)
    {
        Vector256<float> lo = default, hi = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes, x += Q8Block.Size)
        {
            Prefetch(record);
            // Even and odd steps in separate sums: eight dependent vpdpbusd per block would wait on their latency.
            Vector256<int> e0 = default, e1 = default, o0 = default, o1 = default;
            for (int s = 0; s < 8; s += 2)
            {
                Vector256<sbyte> xe = Vector256.Create(*(int*)(x + 4 * s)).AsSByte(), xo = Vector256.Create(*(int*)(x + 4 * s + 4)).AsSByte();
                byte* step = record + s * 64;
                e0 = AvxVnni.MultiplyWideningAndAdd(e0, Vector256.Load(step), xe);
                e1 = AvxVnni.MultiplyWideningAndAdd(e1, Vector256.Load(step + 32), xe);
                o0 = AvxVnni.MultiplyWideningAndAdd(o0, Vector256.Load(step + 64), xo);
                o1 = AvxVnni.MultiplyWideningAndAdd(o1, Vector256.Load(step + 96), xo);
            }
            Vector256<int> offset = Vector256.Create(128 * xsum[b]);
            Scales(record, out Vector256<float> slo, out Vector256<float> shi);
            Vector256<float> sx = Vector256.Create(xs[b]);
            lo = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(e0 + o0 - offset), slo * sx, lo);
            hi = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(e1 + o1 - offset), shi * sx, hi);
        }
        Store(y, lo, hi, rows);
    }

    /// <summary>Up to 4 tokens (<paramref name="tokens"/> valid; the others repeat token 0 and are not stored) against
    /// one panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4(byte* record, int blocks, sbyte* x0, long xStride, float* xs, int* xsum, float* y, int ys, int tokens, int rows, bool prefetch)
    {
        sbyte* x1 = tokens > 1 ? x0 + xStride : x0, x2 = tokens > 2 ? x0 + 2 * xStride : x0, x3 = tokens > 3 ? x0 + 3 * xStride : x0;
        int t1 = tokens > 1 ? blocks : 0, t2 = tokens > 2 ? 2 * blocks : 0, t3 = tokens > 3 ? 3 * blocks : 0;
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes)
        {
            if (prefetch) Prefetch(record);
            Vector256<int> i0 = default, j0 = default, i1 = default, j1 = default, i2 = default, j2 = default, i3 = default, j3 = default;
            int k = b * Q8Block.Size;
            for (int s = 0; s < 8; s++, k += 4)
            {
                Vector256<byte> w0 = Vector256.Load(record + s * 64), w1 = Vector256.Load(record + s * 64 + 32);
                Vector256<sbyte> x = Vector256.Create(*(int*)(x0 + k)).AsSByte();
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, w0, x); j0 = AvxVnni.MultiplyWideningAndAdd(j0, w1, x);
                x = Vector256.Create(*(int*)(x1 + k)).AsSByte();
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, w0, x); j1 = AvxVnni.MultiplyWideningAndAdd(j1, w1, x);
                x = Vector256.Create(*(int*)(x2 + k)).AsSByte();
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, w0, x); j2 = AvxVnni.MultiplyWideningAndAdd(j2, w1, x);
                x = Vector256.Create(*(int*)(x3 + k)).AsSByte();
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, w0, x); j3 = AvxVnni.MultiplyWideningAndAdd(j3, w1, x);
            }
            Scales(record, out Vector256<float> slo, out Vector256<float> shi);
            Accumulate(i0, j0, xsum[b], xs[b], slo, shi, ref a0, ref b0);
            Accumulate(i1, j1, xsum[t1 + b], xs[t1 + b], slo, shi, ref a1, ref b1);
            Accumulate(i2, j2, xsum[t2 + b], xs[t2 + b], slo, shi, ref a2, ref b2);
            Accumulate(i3, j3, xsum[t3 + b], xs[t3 + b], slo, shi, ref a3, ref b3);
        }
        Store(y, a0, b0, rows);
        if (tokens > 1) Store(y + ys, a1, b1, rows);
        if (tokens > 2) Store(y + 2L * ys, a2, b2, rows);
        if (tokens > 3) Store(y + 3L * ys, a3, b3, rows);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector256<int> i, Vector256<int> j, int sum, float scale, Vector256<float> slo, Vector256<float> shi,
        ref Vector256<float> lo, ref Vector256<float> hi)
    {
        Vector256<int> offset = Vector256.Create(128 * sum);
        Vector256<float> s = Vector256.Create(scale);
        lo = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i - offset), slo * s, lo);
        hi = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(j - offset), shi * s, hi);
    }

    /// <summary>The 16 rows' F16 block scales of a record, widened exactly (scales are finite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scales(byte* record, out Vector256<float> lo, out Vector256<float> hi)
    {
        lo = F16FiniteLoader.Load256(record + Q8Panels.ScalesOffset, 0);
        hi = F16FiniteLoader.Load256(record + Q8Panels.ScalesOffset, 8);
    }

    /// <summary>The lines of the record <see cref="PrefetchBytes"/> ahead (544 bytes: 9 lines, the last one shared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* record)
    {
        byte* p = record + PrefetchBytes;
        Sse.Prefetch0(p); Sse.Prefetch0(p + 64); Sse.Prefetch0(p + 128); Sse.Prefetch0(p + 192); Sse.Prefetch0(p + 256);
        Sse.Prefetch0(p + 320); Sse.Prefetch0(p + 384); Sse.Prefetch0(p + 448); Sse.Prefetch0(p + Q8Panels.RecordBytes - 1);
    }

    /// <summary>Rows [0, rows) of a panel's 16 outputs; masked for the last panel of a matrix (no call, see
    /// <see cref="PanelTiles"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector256<float> lo, Vector256<float> hi, int rows)
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
