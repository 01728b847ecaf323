using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// The online softmax and the probability-weighted sum of V rows, for <see cref="PagedAttention"/>.
/// </summary>
internal static unsafe class AttentionSoftmax
{
    /// <summary>Online softmax step of one row: raises the running <paramref name="max"/> to the block's, turns the
    /// row's scores into exp(score − max) in place, adds them to <paramref name="sum"/>; returns the factor the
    /// row's accumulator must be scaled by (exp(−inf) = 0 on the row's first block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Update(float* pr, int bt16, float blockMax, ref float max, ref float sum)
    {
        float correction = 1f;
        if (blockMax > max)
        {
            correction = MathF.Exp(max - blockMax);
            max = blockMax;
        }
        sum = sum * correction + Exponentiate(pr, bt16, max);
        return correction;
    }

    /// <summary>s[j] = exp(s[j] - max) in place (masked -inf → 0); returns the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Exponentiate(float* s, int bt16, float max)
    {
        Vector512<float> total = default, m = Vector512.Create(max);
        for (int c = 0; c < bt16; c += 16)
        {
            Vector512<float> e = Exp(Vector512.Load(s + c) - m);
            e.Store(s + c);
            total += e;
        }
        return Vector512.Sum(total);
    }

    /// <summary><see cref="Accumulate64"/> for four consecutive rows sharing each V load: row k's accumulator is scaled
    /// by <c>correction[k]</c>, then gains <c>Σ_j p[k, j] · v[j]</c> over the first <paramref name="n"/> keys (keys a
    /// row does not see have p = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the tile's inlining budget runs out before it; never run unoptimized
    internal static void Accumulate64x4<TKv>(float* acc, Vector128<float> correction, float* p, int bt16, byte* v, int n)
        where TKv : struct, IRowLoader
    {
        Vector512<float> c = Vector512.Create(correction.GetElement(0));
        Vector512<float> x00 = Vector512.Load(acc) * c, x01 = Vector512.Load(acc + 16) * c, x02 = Vector512.Load(acc + 32) * c, x03 = Vector512.Load(acc + 48) * c;
        c = Vector512.Create(correction.GetElement(1));
        Vector512<float> x10 = Vector512.Load(acc + 64) * c, x11 = Vector512.Load(acc + 80) * c, x12 = Vector512.Load(acc + 96) * c, x13 = Vector512.Load(acc + 112) * c;
        c = Vector512.Create(correction.GetElement(2));
        Vector512<float> x20 = Vector512.Load(acc + 128) * c, x21 = Vector512.Load(acc + 144) * c, x22 = Vector512.Load(acc + 160) * c, x23 = Vector512.Load(acc + 176) * c;
        c = Vector512.Create(correction.GetElement(3));
        Vector512<float> x30 = Vector512.Load(acc + 192) * c, x31 = Vector512.Load(acc + 208) * c, x32 = Vector512.Load(acc + 224) * c, x33 = Vector512.Load(acc + 240) * c;
        for (int j = 0; j < n; j++)
        {
            int e = j * 64;
            Vector512<float> v0 = TKv.Load512(v, e), v1 = TKv.Load512(v, e + 16), v2 = TKv.Load512(v, e + 32), v3 = TKv.Load512(v, e + 48);
            var pj = Vector512.Create(p[j]);
            x00 = Vector512.FusedMultiplyAdd(pj, v0, x00); x01 = Vector512.FusedMultiplyAdd(pj, v1, x01);
            x02 = Vector512.FusedMultiplyAdd(pj, v2, x02); x03 = Vector512.FusedMultiplyAdd(pj, v3, x03);
            pj = Vector512.Create(p[bt16 + j]);
            x10 = Vector512.FusedMultiplyAdd(pj, v0, x10); x11 = Vector512.FusedMultiplyAdd(pj, v1, x11);
            x12 = Vector512.FusedMultiplyAdd(pj, v2, x12); x13 = Vector512.FusedMultiplyAdd(pj, v3, x13);
            pj = Vector512.Create(p[2 * bt16 + j]);
            x20 = Vector512.FusedMultiplyAdd(pj, v0, x20); x21 = Vector512.FusedMultiplyAdd(pj, v1, x21);
            x22 = Vector512.FusedMultiplyAdd(pj, v2, x22); x23 = Vector512.FusedMultiplyAdd(pj, v3, x23);
            pj = Vector512.Create(p[3 * bt16 + j]);
            x30 = Vector512.FusedMultiplyAdd(pj, v0, x30); x31 = Vector512.FusedMultiplyAdd(pj, v1, x31);
            x32 = Vector512.FusedMultiplyAdd(pj, v2, x32); x33 = Vector512.FusedMultiplyAdd(pj, v3, x33);
        }
        x00.Store(acc); x01.Store(acc + 16); x02.Store(acc + 32); x03.Store(acc + 48);
        x10.Store(acc + 64); x11.Store(acc + 80); x12.Store(acc + 96); x13.Store(acc + 112);
        x20.Store(acc + 128); x21.Store(acc + 144); x22.Store(acc + 160); x23.Store(acc + 176);
        x30.Store(acc + 192); x31.Store(acc + 208); x32.Store(acc + 224); x33.Store(acc + 240);
    }

    /// <summary><see cref="Accumulate"/> for head_dim 64 (every baseline shape): four independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Accumulate64<TKv>(float* acc, float correction, float* p, byte* v, int n) where TKv : struct, IRowLoader
    {
        var c = Vector512.Create(correction);
        Vector512<float> x0 = Vector512.Load(acc) * c, x1 = Vector512.Load(acc + 16) * c;
        Vector512<float> x2 = Vector512.Load(acc + 32) * c, x3 = Vector512.Load(acc + 48) * c;
        for (int j = 0; j < n; j++)
        {
            var pj = Vector512.Create(p[j]);
            int e = j * 64;
            x0 = Vector512.FusedMultiplyAdd(pj, TKv.Load512(v, e), x0);
            x1 = Vector512.FusedMultiplyAdd(pj, TKv.Load512(v, e + 16), x1);
            x2 = Vector512.FusedMultiplyAdd(pj, TKv.Load512(v, e + 32), x2);
            x3 = Vector512.FusedMultiplyAdd(pj, TKv.Load512(v, e + 48), x3);
        }
        x0.Store(acc);
        x1.Store(acc + 16);
        x2.Store(acc + 32);
        x3.Store(acc + 48);
    }

    /// <summary>acc = acc · correction + Σ_j p[j] · v[j] over the first <paramref name="n"/> keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Accumulate<TKv>(float* acc, float correction, float* p, byte* v, int n, int hd) where TKv : struct, IRowLoader
    {
        var c = Vector512.Create(correction);
        int i = 0;
        for (; i + 32 <= hd; i += 32)
        {
            Vector512<float> x0 = Vector512.Load(acc + i) * c, x1 = Vector512.Load(acc + i + 16) * c;
            for (int j = 0; j < n; j++)
            {
                var pj = Vector512.Create(p[j]);
                x0 = Vector512.FusedMultiplyAdd(pj, TKv.Load512(v, j * hd + i), x0);
                x1 = Vector512.FusedMultiplyAdd(pj, TKv.Load512(v, j * hd + i + 16), x1);
            }
            x0.Store(acc + i);
            x1.Store(acc + i + 16);
        }
        for (; i + 16 <= hd; i += 16)
        {
            Vector512<float> x0 = Vector512.Load(acc + i) * c;
            for (int j = 0; j < n; j++) x0 = Vector512.FusedMultiplyAdd(Vector512.Create(p[j]), TKv.Load512(v, j * hd + i), x0);
            x0.Store(acc + i);
        }
        for (; i < hd; i++)
        {
            float x = acc[i] * correction;
            for (int j = 0; j < n; j++) x += p[j] * TKv.Load1(v, j * hd + i);
            acc[i] = x;
        }
    }

    /// <summary>e^x for x ≤ 0 (softmax after subtracting the max), within a few ulp; below -87 (and -inf) gives 0.
    /// <see cref="Vector512.Exp(Vector512{float})"/> is not vectorized in .NET 10 (~100 ns per call). The tile's inlining
    /// budget runs out before it, so it is compiled optimized from the start rather than through tiering.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> underflow = Vector512.LessThan(x, Vector512.Create(-87f));
        x = Vector512.Max(x, Vector512.Create(-87f));
        // x = k·ln2 + r with |r| ≤ ln2/2; e^r by its Taylor polynomial to degree 6 (relative error < 2e-7).
        Vector512<float> k = Vector512.Round(x * Vector512.Create(1.44269504f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693145752f), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-1.42860677e-6f), r);
        Vector512<float> e = Vector512.Create(1f / 720);
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(1f / 120));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(1f / 24));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(1f / 6));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(0.5f));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512<float>.One);
        e = Vector512.FusedMultiplyAdd(e, r, Vector512<float>.One);
        Vector512<int> scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23);
        return Vector512.AndNot(e * scale.AsSingle(), underflow);
    }
}
