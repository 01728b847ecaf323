using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Packed Q8 panels on AVX2 without VNNI (also the AVX-512 path's int8 kernels where .NET offers no 512-bit int8 dot):
/// each stored weight vector (<c>q + 128</c>) is turned back into signed <c>q</c> with one XOR 0x80, then the sign
/// trick of the AVX2 int8 kernels: <c>vpmaddwd(vpmaddubsw(|x|, sign(q, x)), 1)</c> sums the 4 products of each row
/// into int32 lanes (rows 0–7, then 8–15) with no offset to subtract. A pair of products is at most
/// 2 · 128 · 127 = 32512, so the int16 step cannot saturate. Per step and token: 2 <c>vpsignb</c>, 2
/// <c>vpmaddubsw</c>, 2 <c>vpmaddwd</c> and 2 adds (the tile broadcasts <c>|x|</c> from a per-block copy, the GEMV
/// takes one <c>vpabsb</c>); the XOR is shared by the tile's tokens.
/// Needs AVX2 (masked stores through <see cref="Avx.MaskStore(float*, Vector256{float}, Vector256{float})"/>).
/// </summary>
internal readonly unsafe struct Q8PanelAvx2 : IQ8PanelKernel
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv(byte* record, int blocks, sbyte* x, float* xs, int* xsum, float* y, int rows)
    {
        Vector256<float> lo = default, hi = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes, x += Q8Block.Size)
        {
            Q8PanelKernels.Prefetch(record);
            // Even and odd steps in separate sums: two independent chains per half.
            Vector256<int> e0 = default, e1 = default, o0 = default, o1 = default;
            for (int s = 0; s < 8; s += 2)
            {
                Vector256<sbyte> xe = Vector256.Create(*(int*)(x + 4 * s)).AsSByte(), xo = Vector256.Create(*(int*)(x + 4 * s + 4)).AsSByte();
                Vector256<byte> ae = Avx2.Abs(xe), ao = Avx2.Abs(xo);
                byte* step = record + s * 64;
                e0 += Dot(Signed(step), xe, ae);
                e1 += Dot(Signed(step + 32), xe, ae);
                o0 += Dot(Signed(step + 64), xo, ao);
                o1 += Dot(Signed(step + 96), xo, ao);
            }
            Q8PanelKernels.Scales(record, out Vector256<float> slo, out Vector256<float> shi);
            Vector256<float> sx = Vector256.Create(xs[b]);
            lo = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(e0 + o0), slo * sx, lo);
            hi = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(e1 + o1), shi * sx, hi);
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
        // The 4 tokens' |x| of the block, stored once per block and broadcast from memory like x (a load, no ALU op):
        // 1.07× over a vpabsb per step and token (one thread, 512 × 576, 64 tokens, thread CPU time, AVX2 codegen).
        byte* abs = stackalloc byte[4 * Q8Block.Size];
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes)
        {
            if (prefetch) Q8PanelKernels.Prefetch(record);
            int k = b * Q8Block.Size;
            Avx2.Abs(Vector256.Load(x0 + k)).Store(abs);
            Avx2.Abs(Vector256.Load(x1 + k)).Store(abs + 32);
            Avx2.Abs(Vector256.Load(x2 + k)).Store(abs + 64);
            Avx2.Abs(Vector256.Load(x3 + k)).Store(abs + 96);
            // 8 int32 accumulators, 2 weight vectors, the broadcast input, its absolute value, the product and the
            // ones of vpmaddwd: 14 of the 16 YMM registers in the step loop.
            Vector256<int> i0 = default, j0 = default, i1 = default, j1 = default, i2 = default, j2 = default, i3 = default, j3 = default;
            for (int s = 0; s < 8; s++, k += 4)
            {
                Vector256<sbyte> w0 = Signed(record + s * 64), w1 = Signed(record + s * 64 + 32);
                Vector256<sbyte> x = Vector256.Create(*(int*)(x0 + k)).AsSByte();
                Vector256<byte> ax = Vector256.Create(*(int*)(abs + 4 * s)).AsByte();
                i0 += Dot(w0, x, ax); j0 += Dot(w1, x, ax);
                x = Vector256.Create(*(int*)(x1 + k)).AsSByte(); ax = Vector256.Create(*(int*)(abs + 32 + 4 * s)).AsByte();
                i1 += Dot(w0, x, ax); j1 += Dot(w1, x, ax);
                x = Vector256.Create(*(int*)(x2 + k)).AsSByte(); ax = Vector256.Create(*(int*)(abs + 64 + 4 * s)).AsByte();
                i2 += Dot(w0, x, ax); j2 += Dot(w1, x, ax);
                x = Vector256.Create(*(int*)(x3 + k)).AsSByte(); ax = Vector256.Create(*(int*)(abs + 96 + 4 * s)).AsByte();
                i3 += Dot(w0, x, ax); j3 += Dot(w1, x, ax);
            }
            Q8PanelKernels.Scales(record, out Vector256<float> slo, out Vector256<float> shi);
            Accumulate(i0, j0, xs[b], slo, shi, ref a0, ref b0);
            Accumulate(i1, j1, xs[t1 + b], slo, shi, ref a1, ref b1);
            Accumulate(i2, j2, xs[t2 + b], slo, shi, ref a2, ref b2);
            Accumulate(i3, j3, xs[t3 + b], slo, shi, ref a3, ref b3);
        }
        Q8PanelKernels.Store(y, a0, b0, rows);
        if (tokens > 1) Q8PanelKernels.Store(y + ys, a1, b1, rows);
        if (tokens > 2) Q8PanelKernels.Store(y + 2L * ys, a2, b2, rows);
        if (tokens > 3) Q8PanelKernels.Store(y + 3L * ys, a3, b3, rows);
    }

    /// <summary>The signed weights <c>q</c> of 8 rows × 4 columns stored as <c>q + 128</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Signed(byte* step) => (Vector256.Load(step) ^ Vector256.Create((byte)0x80)).AsSByte();

    /// <summary>Per int32 lane (one row): <c>Σ_{4 bytes} q · x</c>, as <c>|x| · (q · sign x)</c> pairs in int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<sbyte> q, Vector256<sbyte> x, Vector256<byte> ax) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ax, Avx2.Sign(q, x)), Vector256<short>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector256<int> i, Vector256<int> j, float scale, Vector256<float> slo, Vector256<float> shi,
        ref Vector256<float> lo, ref Vector256<float> hi)
    {
        Vector256<float> s = Vector256.Create(scale);
        lo = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i), slo * s, lo);
        hi = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(j), shi * s, hi);
    }
}
