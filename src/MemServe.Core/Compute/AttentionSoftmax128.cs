using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// The online softmax and the probability-weighted sum of V rows on the portable path (<see cref="AttentionTile128"/>):
/// <see cref="AttentionSoftmax"/> in cross-platform <see cref="Vector128"/> registers, multiply-adds through
/// <see cref="Vector128.MultiplyAddEstimate(Vector128{float}, Vector128{float}, Vector128{float})"/>.
/// </summary>
internal static unsafe class AttentionSoftmax128
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
        Vector128<float> total = default, m = Vector128.Create(max);
        for (int c = 0; c < bt16; c += 4)
        {
            Vector128<float> e = Exp(Vector128.Load(pr + c) - m);
            e.Store(pr + c);
            total += e;
        }
        sum = sum * correction + Vector128.Sum(total);
        return correction;
    }

    /// <summary>Four consecutive rows (accumulators at stride <paramref name="hd"/>, probabilities at stride
    /// <paramref name="bt16"/>): row i's accumulator is scaled by <c>ci</c>, then gains <c>Σ_j p[i, j] · v[j]</c> over the
    /// first <paramref name="n"/> keys. 8 dims of the four rows at a time (8 accumulators), each V load shared by the four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too big to inline into the tile; never run unoptimized
    internal static void Accumulate4<TKv>(float* acc, int hd, float c0, float c1, float c2, float c3, float* p, int bt16, byte* v, int n)
        where TKv : struct, IRowLoader
    {
        Vector128<float> f0 = Vector128.Create(c0), f1 = Vector128.Create(c1), f2 = Vector128.Create(c2), f3 = Vector128.Create(c3);
        float* r0 = acc, r1 = acc + hd, r2 = r1 + hd, r3 = r2 + hd;
        float* p1 = p + bt16, p2 = p1 + bt16, p3 = p2 + bt16;
        int i = 0;
        for (; i + 8 <= hd; i += 8)
        {
            Vector128<float> x00 = Vector128.Load(r0 + i) * f0, x01 = Vector128.Load(r0 + i + 4) * f0;
            Vector128<float> x10 = Vector128.Load(r1 + i) * f1, x11 = Vector128.Load(r1 + i + 4) * f1;
            Vector128<float> x20 = Vector128.Load(r2 + i) * f2, x21 = Vector128.Load(r2 + i + 4) * f2;
            Vector128<float> x30 = Vector128.Load(r3 + i) * f3, x31 = Vector128.Load(r3 + i + 4) * f3;
            for (int j = 0; j < n; j++)
            {
                int e = j * hd + i;
                Vector128<float> v0 = KvLoad128.Load<TKv>(v, e), v1 = KvLoad128.Load<TKv>(v, e + 4);
                Vector128<float> x = Vector128.Create(p[j]);
                x00 = Vector128.MultiplyAddEstimate(x, v0, x00); x01 = Vector128.MultiplyAddEstimate(x, v1, x01);
                x = Vector128.Create(p1[j]);
                x10 = Vector128.MultiplyAddEstimate(x, v0, x10); x11 = Vector128.MultiplyAddEstimate(x, v1, x11);
                x = Vector128.Create(p2[j]);
                x20 = Vector128.MultiplyAddEstimate(x, v0, x20); x21 = Vector128.MultiplyAddEstimate(x, v1, x21);
                x = Vector128.Create(p3[j]);
                x30 = Vector128.MultiplyAddEstimate(x, v0, x30); x31 = Vector128.MultiplyAddEstimate(x, v1, x31);
            }
            x00.Store(r0 + i); x01.Store(r0 + i + 4);
            x10.Store(r1 + i); x11.Store(r1 + i + 4);
            x20.Store(r2 + i); x21.Store(r2 + i + 4);
            x30.Store(r3 + i); x31.Store(r3 + i + 4);
        }
        if (i + 4 <= hd)
        {
            Vector128<float> x0 = Vector128.Load(r0 + i) * f0, x1 = Vector128.Load(r1 + i) * f1;
            Vector128<float> x2 = Vector128.Load(r2 + i) * f2, x3 = Vector128.Load(r3 + i) * f3;
            for (int j = 0; j < n; j++)
            {
                Vector128<float> v0 = KvLoad128.Load<TKv>(v, j * hd + i);
                x0 = Vector128.MultiplyAddEstimate(Vector128.Create(p[j]), v0, x0);
                x1 = Vector128.MultiplyAddEstimate(Vector128.Create(p1[j]), v0, x1);
                x2 = Vector128.MultiplyAddEstimate(Vector128.Create(p2[j]), v0, x2);
                x3 = Vector128.MultiplyAddEstimate(Vector128.Create(p3[j]), v0, x3);
            }
            x0.Store(r0 + i); x1.Store(r1 + i); x2.Store(r2 + i); x3.Store(r3 + i);
            i += 4;
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

    /// <summary>acc = acc · correction + Σ_j p[j] · v[j] over the first <paramref name="n"/> keys, 16 dims at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Accumulate<TKv>(float* acc, float correction, float* p, byte* v, int n, int hd) where TKv : struct, IRowLoader
    {
        var c = Vector128.Create(correction);
        int i = 0;
        for (; i + 16 <= hd; i += 16)
        {
            Vector128<float> x0 = Vector128.Load(acc + i) * c, x1 = Vector128.Load(acc + i + 4) * c;
            Vector128<float> x2 = Vector128.Load(acc + i + 8) * c, x3 = Vector128.Load(acc + i + 12) * c;
            for (int j = 0; j < n; j++)
            {
                var pj = Vector128.Create(p[j]);
                int e = j * hd + i;
                x0 = Vector128.MultiplyAddEstimate(pj, KvLoad128.Load<TKv>(v, e), x0);
                x1 = Vector128.MultiplyAddEstimate(pj, KvLoad128.Load<TKv>(v, e + 4), x1);
                x2 = Vector128.MultiplyAddEstimate(pj, KvLoad128.Load<TKv>(v, e + 8), x2);
                x3 = Vector128.MultiplyAddEstimate(pj, KvLoad128.Load<TKv>(v, e + 12), x3);
            }
            x0.Store(acc + i); x1.Store(acc + i + 4); x2.Store(acc + i + 8); x3.Store(acc + i + 12);
        }
        for (; i + 4 <= hd; i += 4)
        {
            Vector128<float> x0 = Vector128.Load(acc + i) * c;
            for (int j = 0; j < n; j++) x0 = Vector128.MultiplyAddEstimate(Vector128.Create(p[j]), KvLoad128.Load<TKv>(v, j * hd + i), x0);
            x0.Store(acc + i);
        }
        for (; i < hd; i++)
        {
            float x = acc[i] * correction;
            for (int j = 0; j < n; j++) x += p[j] * TKv.Load1(v, j * hd + i);
            acc[i] = x;
        }
    }

    /// <summary>e^x for x ≤ 0, as <see cref="AttentionSoftmax.Exp"/> (same polynomial); below −87 (and −inf) gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> underflow = Vector128.LessThan(x, Vector128.Create(-87f));
        x = Vector128.Max(x, Vector128.Create(-87f));
        Vector128<float> k = Vector128.Round(x * Vector128.Create(1.44269504f));
        Vector128<float> r = Vector128.MultiplyAddEstimate(k, Vector128.Create(-0.693145752f), x);
        r = Vector128.MultiplyAddEstimate(k, Vector128.Create(-1.42860677e-6f), r);
        Vector128<float> e = Vector128.Create(1f / 720);
        e = Vector128.MultiplyAddEstimate(e, r, Vector128.Create(1f / 120));
        e = Vector128.MultiplyAddEstimate(e, r, Vector128.Create(1f / 24));
        e = Vector128.MultiplyAddEstimate(e, r, Vector128.Create(1f / 6));
        e = Vector128.MultiplyAddEstimate(e, r, Vector128.Create(0.5f));
        e = Vector128.MultiplyAddEstimate(e, r, Vector128<float>.One);
        e = Vector128.MultiplyAddEstimate(e, r, Vector128<float>.One);
        // k is a whole number in [-126, 0]: the truncating conversion is exact.
        Vector128<int> scale = Vector128.ShiftLeft(Vector128.ConvertToInt32Native(k) + Vector128.Create(127), 23);
        return Vector128.AndNot(e * scale.AsSingle(), underflow);
    }
}
