using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Scores of query rows against one KV block on the AVX2 path (<see cref="AttentionTile256"/>): from the transposed
/// keys (<c>kt</c>, (head_dim, bt16), 8 keys per register) four rows or one at a time, or from the keys as stored
/// (decode). Every score a row does not see (past its position or the block's last key, before its window) is
/// stored as −inf; all <c>bt16</c> scores of the row are written, and their max returned (finite when the row sees a
/// key of the block, which callers check).
/// </summary>
internal static unsafe class AttentionScores256
{
    /// <summary>Four consecutive rows (<paramref name="q"/>, stride <paramref name="hd"/>) sharing each transposed key
    /// load: 4 rows × 16 keys in 8 accumulators. Row i sees keys up to <c>lastN</c> and, under a window, after
    /// <c>posN − window</c>. Returns the four rows' maxes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Scores4(float* q, int hd, float* kt, int bt16, int blockStart,
        int last0, int last1, int last2, int last3, int pos0, int pos1, int pos2, int pos3, int window, float* s)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float> m0 = Vector256.Create(float.NegativeInfinity), m1 = m0, m2 = m0, m3 = m0;
        float* q1 = q + hd, q2 = q1 + hd, q3 = q2 + hd;
        for (int c = 0; c < bt16; c += 16)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
            Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
            float* col = kt + c;
            for (int d = 0; d < hd; d++)
            {
                float* kd = col + (long)d * bt16;
                Vector256<float> k0 = Vector256.Load(kd), k1 = Vector256.Load(kd + 8);
                Vector256<float> x = Vector256.Create(q[d]);
                a00 = Vector256.FusedMultiplyAdd(x, k0, a00); a01 = Vector256.FusedMultiplyAdd(x, k1, a01);
                x = Vector256.Create(q1[d]);
                a10 = Vector256.FusedMultiplyAdd(x, k0, a10); a11 = Vector256.FusedMultiplyAdd(x, k1, a11);
                x = Vector256.Create(q2[d]);
                a20 = Vector256.FusedMultiplyAdd(x, k0, a20); a21 = Vector256.FusedMultiplyAdd(x, k1, a21);
                x = Vector256.Create(q3[d]);
                a30 = Vector256.FusedMultiplyAdd(x, k0, a30); a31 = Vector256.FusedMultiplyAdd(x, k1, a31);
            }
            Vector256<int> key0 = lane + Vector256.Create(blockStart + c), key1 = key0 + Vector256.Create(8);
            float* s0 = s + c;
            m0 = Vector256.Max(m0, Vector256.Max(MaskedStore(a00, key0, last0, pos0, window, s0), MaskedStore(a01, key1, last0, pos0, window, s0 + 8)));
            s0 += bt16;
            m1 = Vector256.Max(m1, Vector256.Max(MaskedStore(a10, key0, last1, pos1, window, s0), MaskedStore(a11, key1, last1, pos1, window, s0 + 8)));
            s0 += bt16;
            m2 = Vector256.Max(m2, Vector256.Max(MaskedStore(a20, key0, last2, pos2, window, s0), MaskedStore(a21, key1, last2, pos2, window, s0 + 8)));
            s0 += bt16;
            m3 = Vector256.Max(m3, Vector256.Max(MaskedStore(a30, key0, last3, pos3, window, s0), MaskedStore(a31, key1, last3, pos3, window, s0 + 8)));
        }
        return Vector128.Create(VectorReductions.MaxAcross(m0), VectorReductions.MaxAcross(m1), VectorReductions.MaxAcross(m2), VectorReductions.MaxAcross(m3));
    }

    /// <summary>One row against the transposed keys: 16 keys at a time, even and odd dims in separate accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Scores1(float* q, int hd, float* kt, int bt16, int blockStart, int lastVisible, int pos, int window, float* s)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float> m = Vector256.Create(float.NegativeInfinity);
        for (int c = 0; c < bt16; c += 16)
        {
            Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default;
            float* col = kt + c;
            int d = 0;
            for (; d + 2 <= hd; d += 2)
            {
                float* kd = col + (long)d * bt16;
                Vector256<float> x = Vector256.Create(q[d]), y = Vector256.Create(q[d + 1]);
                a0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(kd), a0);
                a1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(kd + 8), a1);
                b0 = Vector256.FusedMultiplyAdd(y, Vector256.Load(kd + bt16), b0);
                b1 = Vector256.FusedMultiplyAdd(y, Vector256.Load(kd + bt16 + 8), b1);
            }
            if (d < hd)
            {
                float* kd = col + (long)d * bt16;
                Vector256<float> x = Vector256.Create(q[d]);
                a0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(kd), a0);
                a1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(kd + 8), a1);
            }
            Vector256<int> key0 = lane + Vector256.Create(blockStart + c);
            m = Vector256.Max(m, Vector256.Max(MaskedStore(a0 + b0, key0, lastVisible, pos, window, s + c),
                MaskedStore(a1 + b1, key0 + Vector256.Create(8), lastVisible, pos, window, s + c + 8)));
        }
        return VectorReductions.MaxAcross(m);
    }

    /// <summary>One row against the <paramref name="n"/> keys of a block as stored (head_dim a multiple of 8): eight
    /// keys' products in eight accumulators, summed across by one <see cref="Sum8"/> tree. Keys past n (not yet
    /// written) repeat key n − 1; the mask hides them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Direct<TKv>(float* q, byte* k, int hd, int n, int bt16, int blockStart, int lastVisible, int pos, int window, float* s)
        where TKv : struct, IRowLoader
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float> m = Vector256.Create(float.NegativeInfinity);
        for (int j = 0; j < bt16; j += 8)
        {
            if (j >= n)
            {
                Vector256.Create(float.NegativeInfinity).Store(s + j);
                continue;
            }
            // One pointer per key, so the inner loop indexes all eight with the same d (no per-load offset arithmetic).
            long row = (long)hd * TKv.ElementBytes;
            byte* k0 = k + j * row, k1 = k + Math.Min(j + 1, n - 1) * row, k2 = k + Math.Min(j + 2, n - 1) * row, k3 = k + Math.Min(j + 3, n - 1) * row;
            byte* k4 = k + Math.Min(j + 4, n - 1) * row, k5 = k + Math.Min(j + 5, n - 1) * row, k6 = k + Math.Min(j + 6, n - 1) * row, k7 = k + Math.Min(j + 7, n - 1) * row;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int d = 0; d < hd; d += 8)
            {
                Vector256<float> x = Vector256.Load(q + d);
                a0 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k0, d), a0);
                a1 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k1, d), a1);
                a2 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k2, d), a2);
                a3 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k3, d), a3);
                a4 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k4, d), a4);
                a5 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k5, d), a5);
                a6 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k6, d), a6);
                a7 = Vector256.FusedMultiplyAdd(x, TKv.Load256(k7, d), a7);
            }
            m = Vector256.Max(m, MaskedStore(Sum8(a0, a1, a2, a3, a4, a5, a6, a7), lane + Vector256.Create(blockStart + j), lastVisible, pos, window, s + j));
        }
        return VectorReductions.MaxAcross(m);
    }

    /// <summary>Lane j of the result is the sum of the 8 lanes of <c>v{j}</c>: two rounds of horizontal adds and one
    /// cross-half add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Sum8(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        // Per 128-bit half: [v0, v1, v2, v3] partial sums of that half's four lanes, then the same for v4..v7.
        Vector256<float> low = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
        Vector256<float> high = Avx.HorizontalAdd(Avx.HorizontalAdd(v4, v5), Avx.HorizontalAdd(v6, v7));
        return Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
    }

    /// <summary>Stores <paramref name="scores"/> with keys past <paramref name="lastVisible"/> (or before the window of
    /// a query at <paramref name="pos"/>) set to −inf; returns what was stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> MaskedStore(Vector256<float> scores, Vector256<int> keyPos, int lastVisible, int pos, int window, float* s)
    {
        Vector256<int> visible = Vector256.LessThanOrEqual(keyPos, Vector256.Create(lastVisible));
        if (window > 0) visible &= Vector256.GreaterThan(keyPos, Vector256.Create(pos - window));
        Vector256<float> masked = Vector256.ConditionalSelect(visible.AsSingle(), scores, Vector256.Create(float.NegativeInfinity));
        masked.Store(s);
        return masked;
    }
}
