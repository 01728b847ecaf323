using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>One token against 4 rows or 1: decode GEMV and leftovers, for <see cref="MatMulKernels"/>.</summary>
internal static unsafe class GemvKernels
{
    internal static void Gemv<L>(byte* w, long rowBytes, int n, float* xt, float* yt, int rowBegin, int rowEnd) where L : struct, IRowLoader
    {
        int r = rowBegin;
        for (; r + 4 <= rowEnd; r += 4) Dot1x4<L>(w + r * rowBytes, rowBytes, n, xt, yt + r);
        for (; r < rowEnd; r++) yt[r] = Dot1x1<L>(w + r * rowBytes, xt, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Dot1x4<L>(byte* w, long rowBytes, int n, float* x, float* y) where L : struct, IRowLoader
    {
        byte* w1 = w + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int i = 0;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        if (CpuKernels.Path == CpuKernelPath.Avx512)
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

    internal static float Dot1x1<L>(byte* w, float* x, int n) where L : struct, IRowLoader
    {
        int i = 0;
        Vector512<float> a = default;
        if (CpuKernels.Path == CpuKernelPath.Avx512)
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
