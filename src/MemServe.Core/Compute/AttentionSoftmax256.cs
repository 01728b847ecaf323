using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// The online softmax and the probability-weighted sum of V rows on the AVX2 path (<see cref="AttentionTile256"/>):
/// <see cref="AttentionSoftmax"/> in 256-bit registers, with the accumulator tiles cut to 8 registers so the V loads
/// (and their BF16 widening) stay in the other 8.
/// </summary>
internal static unsafe class AttentionSoftmax256
{
    /// <summary>Online softmax step of one row (see <see cref="AttentionSoftmax.Update"/>): returns the factor the
    /// row's accumulator must be scaled by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Update(float* pr, int bt16, float blockMax, ref float max, ref float sum)
    {
        float correction = 1f;
        if (blockMax > max)
        {
            correction = MathF.Exp(max - blockMax);
            max = blockMax;
        }
        Vector256<float> total = default, m = Vector256.Create(max);
        for (int c = 0; c < bt16; c += 8)
        {
            Vector256<float> e = Exp(Vector256.Load(pr + c) - m);
            e.Store(pr + c);
            total += e;
        }
        sum = sum * correction + Vector256.Sum(total);
        return correction;
    }

    /// <summary>Four consecutive rows (accumulators at stride <paramref name="hd"/>, probabilities at stride
    /// <paramref name="bt16"/>): row i's accumulator is scaled by <c>ci</c>, then gains <c>Σ_j p[i, j] · v[j]</c> over the
    /// first <paramref name="n"/> keys. 16 dims of the four rows at a time, each V load shared by the four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too big to inline into the tile; never run unoptimized
    internal static void Accumulate4<TKv>(float* acc, int hd, float c0, float c1, float c2, float c3, float* p, int bt16, byte* v, int n)
        where TKv : struct, IRowLoader
    {
        Vector256<float> f0 = Vector256.Create(c0), f1 = Vector256.Create(c1), f2 = Vector256.Create(c2), f3 = Vector256.Create(c3);
        float* r0 = acc, r1 = acc + hd, r2 = r1 + hd, r3 = r2 + hd;
        float* p1 = p + bt16, p2 = p1 + bt16, p3 = p2 + bt16;
        int i = 0;
        for (; i + 16 <= hd; i += 16)
        {
            Vector256<float> x00 = Vector256.Load(r0 + i) * f0, x01 = Vector256.Load(r0 + i + 8) * f0;
            Vector256<float> x10 = Vector256.Load(r1 + i) * f1, x11 = Vector256.Load(r1 + i + 8) * f1;
            Vector256<float> x20 = Vector256.Load(r2 + i) * f2, x21 = Vector256.Load(r2 + i + 8) * f2;
            Vector256<float> x30 = Vector256.Load(r3 + i) * f3, x31 = Vector256.Load(r3 + i + 8) * f3;
            for (int j = 0; j < n; j++)
            {
                int e = j * hd + i;
                Vector256<float> v0 = TKv.Load256(v, e), v1 = TKv.Load256(v, e + 8);
                Vector256<float> x = Vector256.Create(p[j]);
                x00 = Vector256.FusedMultiplyAdd(x, v0, x00); x01 = Vector256.FusedMultiplyAdd(x, v1, x01);
                x = Vector256.Create(p1[j]);
                x10 = Vector256.FusedMultiplyAdd(x, v0, x10); x11 = Vector256.FusedMultiplyAdd(x, v1, x11);
                x = Vector256.Create(p2[j]);
                x20 = Vector256.FusedMultiplyAdd(x, v0, x20); x21 = Vector256.FusedMultiplyAdd(x, v1, x21);
                x = Vector256.Create(p3[j]);
                x30 = Vector256.FusedMultiplyAdd(x, v0, x30); x31 = Vector256.FusedMultiplyAdd(x, v1, x31);
            }
            x00.Store(r0 + i); x01.Store(r0 + i + 8);
            x10.Store(r1 + i); x11.Store(r1 + i + 8);
            x20.Store(r2 + i); x21.Store(r2 + i + 8);
            x30.Store(r3 + i); x31.Store(r3 + i + 8);
        }
        if (i + 8 <= hd)
        {
            Vector256<float> x0 = Vector256.Load(r0 + i) * f0, x1 = Vector256.Load(r1 + i) * f1;
            Vector256<float> x2 = Vector256.Load(r2 + i) * f2, x3 = Vector256.Load(r3 + i) * f3;
            for (int j = 0; j < n; j++)
            {
                Vector256<float> v0 = TKv.Load256(v, j * hd + i);
                x0 = Vector256.FusedMultiplyAdd(Vector256.Create(p[j]), v0, x0);
                x1 = Vector256.FusedMultiplyAdd(Vector256.Create(p1[j]), v0, x1);
                x2 = Vector256.FusedMultiplyAdd(Vector256.Create(p2[j]), v0, x2);
                x3 = Vector256.FusedMultiplyAdd(Vector256.Create(p3[j]), v0, x3);
            }
            x0.Store(r0 + i); x1.Store(r1 + i); x2.Store(r2 + i); x3.Store(r3 + i);
            i += 8;
        }
        for (; i < hd; i++)
        {
            float y0 = r0[i] * c0, y1 = r1[i] * c1, y2 = r2[i] * c2, y3 = r3[i] * c3;
            for (int j = 0; j < n; j++)
            {
                float vj = TKv.Load1(v, j * hd + i);
                y0 += p[j] * vj; y1 += p1[j] * vj; y2 += p2[j] * vj; y3 += p3[j] * vj;
            }
            r0[i] = y0; r1[i] = y1; r2[i] = y2; r3[i] = y3;
        }
    }

    /// <summary>acc = acc · correction + Σ_j p[j] · v[j] over the first <paramref name="n"/> keys, 32 dims at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Accumulate<TKv>(float* acc, float correction, float* p, byte* v, int n, int hd) where TKv : struct, IRowLoader
    {
        var c = Vector256.Create(correction);
        int i = 0;
        for (; i + 32 <= hd; i += 32)
        {
            Vector256<float> x0 = Vector256.Load(acc + i) * c, x1 = Vector256.Load(acc + i + 8) * c;
            Vector256<float> x2 = Vector256.Load(acc + i + 16) * c, x3 = Vector256.Load(acc + i + 24) * c;
            for (int j = 0; j < n; j++)
            {
                var pj = Vector256.Create(p[j]);
                int e = j * hd + i;
                x0 = Vector256.FusedMultiplyAdd(pj, TKv.Load256(v, e), x0);
                x1 = Vector256.FusedMultiplyAdd(pj, TKv.Load256(v, e + 8), x1);
                x2 = Vector256.FusedMultiplyAdd(pj, TKv.Load256(v, e + 16), x2);
                x3 = Vector256.FusedMultiplyAdd(pj, TKv.Load256(v, e + 24), x3);
            }
            x0.Store(acc + i); x1.Store(acc + i + 8); x2.Store(acc + i + 16); x3.Store(acc + i + 24);
        }
        for (; i + 8 <= hd; i += 8)
        {
            Vector256<float> x0 = Vector256.Load(acc + i) * c;
            for (int j = 0; j < n; j++) x0 = Vector256.FusedMultiplyAdd(Vector256.Create(p[j]), TKv.Load256(v, j * hd + i), x0);
            x0.Store(acc + i);
        }
        for (; i < hd; i++)
        {
            float x = acc[i] * correction;
            for (int j = 0; j < n; j++) x += p[j] * TKv.Load1(v, j * hd + i);
            acc[i] = x;
        }
    }

    /// <summary>e^x for x ≤ 0, as <see cref="AttentionSoftmax.Exp"/> (same polynomial, same error); below −87 (and −inf)
    /// gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> underflow = Vector256.LessThan(x, Vector256.Create(-87f));
        x = Vector256.Max(x, Vector256.Create(-87f));
        Vector256<float> k = Vector256.Round(x * Vector256.Create(1.44269504f));
        Vector256<float> r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-0.693145752f), x);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-1.42860677e-6f), r);
        Vector256<float> e = Vector256.Create(1f / 720);
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(1f / 120));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(1f / 24));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(1f / 6));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256.Create(0.5f));
        e = Vector256.FusedMultiplyAdd(e, r, Vector256<float>.One);
        e = Vector256.FusedMultiplyAdd(e, r, Vector256<float>.One);
        // k is a whole number in [-126, 0]: the truncating conversion is exact and needs no saturation fix-up.
        Vector256<int> scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(k) + Vector256.Create(127), 23);
        return Vector256.AndNot(e * scale.AsSingle(), underflow);
    }
}
