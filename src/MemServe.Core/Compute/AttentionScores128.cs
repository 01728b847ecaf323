using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Scores of query rows against one KV block on the portable path (<see cref="AttentionTile128"/>), in cross-platform
/// <see cref="Vector128"/> registers: one row from the keys as stored, or four rows from the transposed keys. Every
/// score a row does not see (past its
/// position or the block's last key, before its window) is stored as −inf; all <c>bt16</c> scores of the row are
/// written, and their max returned (finite when the row sees a key of the block, which callers check).
/// </summary>
internal static unsafe class AttentionScores128
{
    /// <summary>Four keys at a time, one accumulator each (the dims past a multiple of 4 added one by one). Keys past
    /// <paramref name="n"/> (not yet written) repeat key n − 1; the mask hides them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Direct<TKv>(float* q, byte* k, int hd, int n, int bt16, int blockStart, int lastVisible, int pos, int window, float* s)
        where TKv : struct, IRowLoader
    {
        var lane = Vector128.Create(0, 1, 2, 3);
        Vector128<float> m = Vector128.Create(float.NegativeInfinity);
        int hd4 = hd & ~3;
        for (int j = 0; j < bt16; j += 4)
        {
            if (j >= n)
            {
                Vector128.Create(float.NegativeInfinity).Store(s + j);
                continue;
            }
            // One pointer per key, so the inner loop indexes all four with the same d.
            long row = (long)hd * TKv.ElementBytes;
            byte* k0 = k + j * row, k1 = k + Math.Min(j + 1, n - 1) * row, k2 = k + Math.Min(j + 2, n - 1) * row, k3 = k + Math.Min(j + 3, n - 1) * row;
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < hd4; d += 4)
            {
                Vector128<float> x = Vector128.Load(q + d);
                a0 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k0, d), a0);
                a1 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k1, d), a1);
                a2 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k2, d), a2);
                a3 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k3, d), a3);
            }
            var sums = Vector128.Create(Vector128.Sum(a0), Vector128.Sum(a1), Vector128.Sum(a2), Vector128.Sum(a3));
            for (int d = hd4; d < hd; d++)
            {
                sums += Vector128.Create(q[d]) * Vector128.Create(TKv.Load1(k0, d), TKv.Load1(k1, d), TKv.Load1(k2, d), TKv.Load1(k3, d));
            }
            m = Vector128.Max(m, MaskedStore(sums, lane + Vector128.Create(blockStart + j), lastVisible, pos, window, s + j));
        }
        return VectorReductions.MaxAcross(m);
    }

    /// <summary>Four consecutive rows (<paramref name="q"/>, stride <paramref name="hd"/>) against the transposed keys
    /// (<c>kt</c>, (head_dim, bt16)), sharing each key load: 4 rows × 8 keys in 8 accumulators. Row i sees keys up to
    /// <c>lastN</c> and, under a window, after <c>posN − window</c>. Writes the four rows' scores (stride bt16) and
    /// returns their maxes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too big to inline into the tile; never run unoptimized
    internal static Vector128<float> Scores4(float* q, int hd, float* kt, int bt16, int blockStart,
        int last0, int last1, int last2, int last3, int pos0, int pos1, int pos2, int pos3, int window, float* s)
    {
        var lane = Vector128.Create(0, 1, 2, 3);
        Vector128<float> m0 = Vector128.Create(float.NegativeInfinity), m1 = m0, m2 = m0, m3 = m0;
        float* q1 = q + hd, q2 = q1 + hd, q3 = q2 + hd;
        for (int c = 0; c < bt16; c += 8)
        {
            Vector128<float> a00 = default, a01 = default, a10 = default, a11 = default;
            Vector128<float> a20 = default, a21 = default, a30 = default, a31 = default;
            float* col = kt + c;
            for (int d = 0; d < hd; d++)
            {
                float* kd = col + (long)d * bt16;
                Vector128<float> k0 = Vector128.Load(kd), k1 = Vector128.Load(kd + 4);
                Vector128<float> x = Vector128.Create(q[d]);
                a00 = Vector128.MultiplyAddEstimate(x, k0, a00); a01 = Vector128.MultiplyAddEstimate(x, k1, a01);
                x = Vector128.Create(q1[d]);
                a10 = Vector128.MultiplyAddEstimate(x, k0, a10); a11 = Vector128.MultiplyAddEstimate(x, k1, a11);
                x = Vector128.Create(q2[d]);
                a20 = Vector128.MultiplyAddEstimate(x, k0, a20); a21 = Vector128.MultiplyAddEstimate(x, k1, a21);
                x = Vector128.Create(q3[d]);
                a30 = Vector128.MultiplyAddEstimate(x, k0, a30); a31 = Vector128.MultiplyAddEstimate(x, k1, a31);
            }
            Vector128<int> key0 = lane + Vector128.Create(blockStart + c), key1 = key0 + Vector128.Create(4);
            float* s0 = s + c;
            m0 = Vector128.Max(m0, Vector128.Max(MaskedStore(a00, key0, last0, pos0, window, s0), MaskedStore(a01, key1, last0, pos0, window, s0 + 4)));
            s0 += bt16;
            m1 = Vector128.Max(m1, Vector128.Max(MaskedStore(a10, key0, last1, pos1, window, s0), MaskedStore(a11, key1, last1, pos1, window, s0 + 4)));
            s0 += bt16;
            m2 = Vector128.Max(m2, Vector128.Max(MaskedStore(a20, key0, last2, pos2, window, s0), MaskedStore(a21, key1, last2, pos2, window, s0 + 4)));
            s0 += bt16;
            m3 = Vector128.Max(m3, Vector128.Max(MaskedStore(a30, key0, last3, pos3, window, s0), MaskedStore(a31, key1, last3, pos3, window, s0 + 4)));
        }
        return Vector128.Create(VectorReductions.MaxAcross(m0), VectorReductions.MaxAcross(m1), VectorReductions.MaxAcross(m2), VectorReductions.MaxAcross(m3));
    }

    /// <summary>kt[d, j] = k[j, d] for the <paramref name="n"/> keys of a block, one element at a time (a portable
    /// two-register shuffle does not exist; the copy is paid once per tile and block, the scores it saves per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose<TKv>(byte* k, int n, int hd, float* kt, int bt16) where TKv : struct, IRowLoader
    {
        for (int j = 0; j < n; j++)
        {
            for (int d = 0; d < hd; d++) kt[(long)d * bt16 + j] = TKv.Load1(k, j * hd + d);
        }
    }

    /// <summary>Stores <paramref name="scores"/> with keys past <paramref name="lastVisible"/> (or before the window of
    /// a query at <paramref name="pos"/>) set to −inf; returns what was stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> MaskedStore(Vector128<float> scores, Vector128<int> keyPos, int lastVisible, int pos, int window, float* s)
    {
        Vector128<int> visible = Vector128.LessThanOrEqual(keyPos, Vector128.Create(lastVisible));
        if (window > 0) visible &= Vector128.GreaterThan(keyPos, Vector128.Create(pos - window));
        Vector128<float> masked = Vector128.ConditionalSelect(visible.AsSingle(), scores, Vector128.Create(float.NegativeInfinity));
        masked.Store(s);
        return masked;
    }
}
