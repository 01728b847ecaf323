using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>Horizontal reductions of vector registers, shared by the kernels.</summary>
internal static class VectorReductions
{
    /// <summary>The largest of the 16 lanes of <paramref name="v"/>.</summary>
    public static float MaxAcross(Vector512<float> v)
    {
        Vector256<float> m = Vector256.Max(v.GetLower(), v.GetUpper());
        Vector128<float> h = Vector128.Max(m.GetLower(), m.GetUpper());
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        return h.ToScalar();
    }

    /// <summary>The largest of the 8 lanes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> v) => MaxAcross(Vector128.Max(v.GetLower(), v.GetUpper()));

    /// <summary>The largest of the 4 lanes of <paramref name="v"/> (cross-platform <see cref="Vector128"/> only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> v)
    {
        v = Vector128.Max(v, Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1)));
        v = Vector128.Max(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
        return v.ToScalar();
    }

    /// <summary>
    /// Lane <c>j</c> of the result is the sum of the 16 lanes of <c>v{j}</c>: sixteen horizontal sums in one
    /// transposing tree of 45 shuffles and adds (sixteen separate sums take about three times as many, which a
    /// tile's epilogue pays once per 16 outputs). The summation order differs from <see cref="Vector512.Sum"/>.
    /// Needs <see cref="Avx512F"/>; must inline, so the callers' accumulators never cross a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sum16(
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7,
        Vector512<float> v8, Vector512<float> v9, Vector512<float> v10, Vector512<float> v11,
        Vector512<float> v12, Vector512<float> v13, Vector512<float> v14, Vector512<float> v15)
    {
        // Slot p of the tree ends in lane 4 (p % 4) + p / 4, so vector j enters at slot 4 (j % 4) + j / 4.
        // 1: two vectors per register, 8 partial sums each (128-bit lanes 0-1 and 2-3).
        Vector512<float> u0 = Pair(v0, v4), u1 = Pair(v8, v12), u2 = Pair(v1, v5), u3 = Pair(v9, v13);
        Vector512<float> u4 = Pair(v2, v6), u5 = Pair(v10, v14), u6 = Pair(v3, v7), u7 = Pair(v11, v15);
        // 2: four vectors per register, one per 128-bit lane, 4 partial sums each.
        Vector512<float> w0 = Quad(u0, u1), w1 = Quad(u2, u3), w2 = Quad(u4, u5), w3 = Quad(u6, u7);
        // 3: within each 128-bit lane, two vectors with 2 partial sums each, interleaved.
        Vector512<float> x = Avx512F.UnpackLow(w0, w1) + Avx512F.UnpackHigh(w0, w1);
        Vector512<float> y = Avx512F.UnpackLow(w2, w3) + Avx512F.UnpackHigh(w2, w3);
        // 4: four totals per 128-bit lane.
        return Avx512F.UnpackLow(x.AsDouble(), y.AsDouble()).AsSingle() + Avx512F.UnpackHigh(x.AsDouble(), y.AsDouble()).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x44) + Avx512F.Shuffle4x128(a, b, 0xEE);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quad(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x88) + Avx512F.Shuffle4x128(a, b, 0xDD);
}
