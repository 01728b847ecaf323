using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>Horizontal reductions of one vector register, shared by the kernels.</summary>
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
}
