using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Scores of query rows against one KV block, for <see cref="PagedAttention"/>: transposed keys (one or four rows
/// at a time) or untransposed (decode, small GQA groups).
/// </summary>
internal static unsafe class AttentionScores
{
    /// <summary>Row <paramref name="r"/> (at position <paramref name="pos"/>) against one block: scores, online
    /// softmax update, <c>acc += p · V</c>; nothing when the row sees no key of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RowBlock<TKv>(float* qs, float* kt, float* acc, float* p, float* max, float* sum, byte* v,
        int r, int pos, int hd, int bt, int bt16, int n, int blockStart, int window) where TKv : struct, IRowLoader
    {
        if (blockStart > pos || (window > 0 && blockStart + bt <= pos - window + 1)) return;
        float* pr = p + (long)r * bt16;
        float blockMax = Scores(qs + (long)r * hd, kt, hd, bt, bt16, blockStart, pos, window, pr);
        float correction = AttentionSoftmax.Update(pr, bt16, blockMax, ref max[r], ref sum[r]);
        int keys = Math.Min(n, pos + 1 - blockStart);
        if (hd == 64) AttentionSoftmax.Accumulate64<TKv>(acc + (long)r * hd, correction, pr, v, keys);
        else AttentionSoftmax.Accumulate<TKv>(acc + (long)r * hd, correction, pr, v, keys, hd);
    }

    /// <summary><see cref="RowBlock"/> for head_dim 64 and 16-token blocks straight from the untransposed keys: each
    /// key's 64-wide product is four vector FMAs, and the 16 keys' horizontal sums are one <see cref="VectorReductions.Sum16"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RowBlockDirect<TKv>(float* qs, byte* k, float* acc, float* p, float* max, float* sum, byte* v,
        int r, int pos, int bt, int n, int blockStart, int window) where TKv : struct, IRowLoader
    {
        if (blockStart > pos || (window > 0 && blockStart + bt <= pos - window + 1)) return;
        float* pr = p + (long)r * 16;
        float* q = qs + (long)r * 64;
        Vector512<float> q0 = Vector512.Load(q), q1 = Vector512.Load(q + 16), q2 = Vector512.Load(q + 32), q3 = Vector512.Load(q + 48);
        // Keys past n (not yet written) repeat key n - 1; the mask hides them.
        Vector512<float> s = VectorReductions.Sum16(
            KeyProduct<TKv>(q0, q1, q2, q3, k, 0), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(1, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(2, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(3, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(4, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(5, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(6, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(7, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(8, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(9, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(10, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(11, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(12, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(13, n - 1) * 64),
            KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(14, n - 1) * 64), KeyProduct<TKv>(q0, q1, q2, q3, k, Math.Min(15, n - 1) * 64));
        var keyPos = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + Vector512.Create(blockStart);
        Vector512<float> masked = MaskedStore(s, keyPos, Math.Min(pos, blockStart + bt - 1), pos, window, pr);
        float correction = AttentionSoftmax.Update(pr, 16, VectorReductions.MaxAcross(masked), ref max[r], ref sum[r]);
        AttentionSoftmax.Accumulate64<TKv>(acc + (long)r * 64, correction, pr, v, Math.Min(n, pos + 1 - blockStart));
    }

    /// <summary>q · k for one 64-wide key, as a vector of 16 partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> KeyProduct<TKv>(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3,
        byte* k, int key) where TKv : struct, IRowLoader =>
        Vector512.FusedMultiplyAdd(q3, TKv.Load512(k, key + 48), Vector512.FusedMultiplyAdd(q2, TKv.Load512(k, key + 32),
            Vector512.FusedMultiplyAdd(q1, TKv.Load512(k, key + 16), q0 * TKv.Load512(k, key))));

    /// <summary><see cref="Scores"/> for four consecutive rows (head_dim 64) sharing each transposed key load; every
    /// row must see at least one key of the block. Returns the four block maxes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Scores4(float* q, float* kt, int bt, int bt16, int blockStart, Vector128<int> pos, int window, float* s)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> m0 = Vector512.Create(float.NegativeInfinity), m1 = m0, m2 = m0, m3 = m0;
        int last = blockStart + bt - 1;
        for (int c = 0; c < bt16; c += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            float* col = kt + c;
            for (int d = 0; d < 64; d += 2)
            {
                Vector512<float> k0 = Vector512.Load(col + (long)d * bt16), k1 = Vector512.Load(col + (long)(d + 1) * bt16);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), k0, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[64 + d]), k0, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(q[128 + d]), k0, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(q[192 + d]), k0, a3);
                b0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 1]), k1, b0);
                b1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[64 + d + 1]), k1, b1);
                b2 = Vector512.FusedMultiplyAdd(Vector512.Create(q[128 + d + 1]), k1, b2);
                b3 = Vector512.FusedMultiplyAdd(Vector512.Create(q[192 + d + 1]), k1, b3);
            }
            Vector512<int> keyPos = lane + Vector512.Create(blockStart + c);
            m0 = Vector512.Max(m0, MaskedStore(a0 + b0, keyPos, Math.Min(pos.GetElement(0), last), pos.GetElement(0), window, s + c));
            m1 = Vector512.Max(m1, MaskedStore(a1 + b1, keyPos, Math.Min(pos.GetElement(1), last), pos.GetElement(1), window, s + bt16 + c));
            m2 = Vector512.Max(m2, MaskedStore(a2 + b2, keyPos, Math.Min(pos.GetElement(2), last), pos.GetElement(2), window, s + 2 * bt16 + c));
            m3 = Vector512.Max(m3, MaskedStore(a3 + b3, keyPos, Math.Min(pos.GetElement(3), last), pos.GetElement(3), window, s + 3 * bt16 + c));
        }
        return Vector128.Create(VectorReductions.MaxAcross(m0), VectorReductions.MaxAcross(m1), VectorReductions.MaxAcross(m2), VectorReductions.MaxAcross(m3));
    }

    /// <summary>Stores <paramref name="scores"/> with keys past <paramref name="lastVisible"/> (or before the window of
    /// a query at <paramref name="pos"/>) set to −inf; returns what was stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> MaskedStore(Vector512<float> scores, Vector512<int> keyPos, int lastVisible, int pos, int window, float* s)
    {
        Vector512<int> visible = Vector512.LessThanOrEqual(keyPos, Vector512.Create(lastVisible));
        if (window > 0) visible &= Vector512.GreaterThan(keyPos, Vector512.Create(pos - window));
        Vector512<float> masked = Vector512.ConditionalSelect(visible.AsSingle(), scores, Vector512.Create(float.NegativeInfinity));
        masked.Store(s);
        return masked;
    }

    /// <summary>Scores of one query row against a transposed key block (16 keys per vector), masked to the keys
    /// the row sees (-inf elsewhere), written to <paramref name="s"/>; returns their max (finite: the caller skips
    /// blocks the row sees no key of).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Scores(float* q, float* kt, int hd, int bt, int bt16, int blockStart, int pos, int window, float* s)
    {
        Vector512<float> m = Vector512.Create(float.NegativeInfinity);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int c = 0; c < bt16; c += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float* col = kt + c;
            int d = 0;
            for (; d + 4 <= hd; d += 4)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(col + (long)d * bt16), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 1]), Vector512.Load(col + (long)(d + 1) * bt16), a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 2]), Vector512.Load(col + (long)(d + 2) * bt16), a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 3]), Vector512.Load(col + (long)(d + 3) * bt16), a3);
            }
            for (; d < hd; d++) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(col + (long)d * bt16), a0);
            Vector512<int> keyPos = lane + Vector512.Create(blockStart + c);
            Vector512<int> visible = Vector512.LessThanOrEqual(keyPos, Vector512.Create(Math.Min(pos, blockStart + bt - 1)));
            if (window > 0) visible &= Vector512.GreaterThan(keyPos, Vector512.Create(pos - window));
            Vector512<float> scores = Vector512.ConditionalSelect(visible.AsSingle(), (a0 + a1) + (a2 + a3), Vector512.Create(float.NegativeInfinity));
            scores.Store(s + c);
            m = Vector512.Max(m, scores);
        }
        return VectorReductions.MaxAcross(m);
    }
}
