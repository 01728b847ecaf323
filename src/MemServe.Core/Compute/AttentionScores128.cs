using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Scores of one query row against one KV block on the portable path (<see cref="AttentionTile128"/>), from the keys
/// as stored, in cross-platform <see cref="Vector128"/> registers. Every score the row does not see (past its
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
            int e0 = j * hd, e1 = Math.Min(j + 1, n - 1) * hd, e2 = Math.Min(j + 2, n - 1) * hd, e3 = Math.Min(j + 3, n - 1) * hd;
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < hd4; d += 4)
            {
                Vector128<float> x = Vector128.Load(q + d);
                a0 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k, e0 + d), a0);
                a1 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k, e1 + d), a1);
                a2 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k, e2 + d), a2);
                a3 = Vector128.MultiplyAddEstimate(x, KvLoad128.Load<TKv>(k, e3 + d), a3);
            }
            var sums = Vector128.Create(Vector128.Sum(a0), Vector128.Sum(a1), Vector128.Sum(a2), Vector128.Sum(a3));
            for (int d = hd4; d < hd; d++)
            {
                sums += Vector128.Create(q[d]) * Vector128.Create(TKv.Load1(k, e0 + d), TKv.Load1(k, e1 + d), TKv.Load1(k, e2 + d), TKv.Load1(k, e3 + d));
            }
            m = Vector128.Max(m, MaskedStore(sums, lane + Vector128.Create(blockStart + j), lastVisible, pos, window, s + j));
        }
        return VectorReductions.MaxAcross(m);
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
