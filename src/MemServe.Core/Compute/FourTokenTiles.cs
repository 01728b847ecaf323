using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Tiles of 4 tokens against 4 or 2 weight rows (a leftover group of 4 tokens), for <see cref="MatMulKernels"/>.
/// </summary>
internal static unsafe class FourTokenTiles
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Dot4x2<L>(byte* w0, byte* w1, int n, float* x, int xs, float* y, int ys) where L : struct, IRowLoader
    {
        float* x1 = x + xs, x2 = x1 + xs, x3 = x2 + xs;
        int i = 0;
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
        if (CpuKernels.Path == CpuKernelPath.Avx512)
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
    internal static void Dot4x4<L>(byte* w0, long rowBytes, int n, float* x0, int xs, float* y, int ys, bool prefetch) where L : struct, IRowLoader
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
}
