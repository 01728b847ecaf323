using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Tiles of 8 tokens against 3 or 2 weight rows (batched decode and prefill), for <see cref="MatMulKernels"/>.
/// </summary>
internal static unsafe class EightTokenTiles
{
    /// <summary>8 tokens × 3 rows over <paramref name="n"/> elements, a multiple of 16 (no tail); 24 zmm accumulators,
    /// so only for loaders whose widening needs few registers (<see cref="IRowLoader.ThreeRowTile"/>). With
    /// <paramref name="accumulate"/> the sums are added to y (column chunks after the first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Dot8x3<L>(byte* w0, long rowBytes, long elementBytes, int n, float* x0, int xs, float* y, int ys, bool prefetch, bool accumulate)
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
    internal static void Dot8x2<L>(byte* w0, long rowBytes, long elementBytes, int n, float* x0, int xs, float* y, int ys, bool prefetch, bool accumulate)
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
}
