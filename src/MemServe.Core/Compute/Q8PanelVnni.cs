using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Packed Q8 panels on AVX-VNNI: per block, 8 steps of <c>vpdpbusd</c> (256-bit) multiply the 16 rows' offset weights
/// (<c>q + 128</c>, the unsigned operand as stored) with 4 broadcast input bytes, and <c>128 · Σ x</c> is subtracted
/// from the int32 block sums. Needs <see cref="AvxVnni"/>.
/// </summary>
internal readonly unsafe struct Q8PanelVnni : IQ8PanelKernel
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv(byte* record, int blocks, sbyte* x, float* xs, int* xsum, float* y, int rows)
    {
        Vector256<float> lo = default, hi = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes, x += Q8Block.Size)
        {
            Q8PanelKernels.Prefetch(record);
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
            Q8PanelKernels.Scales(record, out Vector256<float> slo, out Vector256<float> shi);
            Vector256<float> sx = Vector256.Create(xs[b]);
            lo = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(e0 + o0 - offset), slo * sx, lo);
            hi = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(e1 + o1 - offset), shi * sx, hi);
        }
        Q8PanelKernels.Store(y, lo, hi, rows);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4(byte* record, int blocks, sbyte* x0, long xStride, float* xs, int* xsum, float* y, int ys, int tokens, int rows, bool prefetch)
    {
        // Missing tokens repeat token 0 and are not stored.
        sbyte* x1 = tokens > 1 ? x0 + xStride : x0, x2 = tokens > 2 ? x0 + 2 * xStride : x0, x3 = tokens > 3 ? x0 + 3 * xStride : x0;
        int t1 = tokens > 1 ? blocks : 0, t2 = tokens > 2 ? 2 * blocks : 0, t3 = tokens > 3 ? 3 * blocks : 0;
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes)
        {
            if (prefetch) Q8PanelKernels.Prefetch(record);
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
            Q8PanelKernels.Scales(record, out Vector256<float> slo, out Vector256<float> shi);
            Accumulate(i0, j0, xsum[b], xs[b], slo, shi, ref a0, ref b0);
            Accumulate(i1, j1, xsum[t1 + b], xs[t1 + b], slo, shi, ref a1, ref b1);
            Accumulate(i2, j2, xsum[t2 + b], xs[t2 + b], slo, shi, ref a2, ref b2);
            Accumulate(i3, j3, xsum[t3 + b], xs[t3 + b], slo, shi, ref a3, ref b3);
        }
        Q8PanelKernels.Store(y, a0, b0, rows);
        if (tokens > 1) Q8PanelKernels.Store(y + ys, a1, b1, rows);
        if (tokens > 2) Q8PanelKernels.Store(y + 2L * ys, a2, b2, rows);
        if (tokens > 3) Q8PanelKernels.Store(y + 3L * ys, a3, b3, rows);
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
}
