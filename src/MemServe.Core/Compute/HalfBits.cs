using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>Checks on raw IEEE half-precision bit patterns.</summary>
internal static unsafe class HalfBits
{
    private const ushort ExponentMask = 0x7C00; // exponent 31: inf or NaN

    /// <summary>True when none of the <paramref name="count"/> halves at <paramref name="p"/> is inf or NaN.
    /// Reads them all once (about 0.1 s per GB).</summary>
    public static bool AllFinite(ushort* p, long count)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var mask = Vector512.Create(ExponentMask);
            for (; i + 32 <= count; i += 32)
            {
                if (Vector512.EqualsAny(Vector512.Load(p + i) & mask, mask)) return false;
            }
        }
        for (; i < count; i++)
        {
            if ((p[i] & ExponentMask) == ExponentMask) return false;
        }
        return true;
    }
}
