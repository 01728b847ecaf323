using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>Checks on raw IEEE half-precision bit patterns, in the registers of <see cref="CpuKernels.Path"/>.</summary>
internal static unsafe class HalfBits
{
    private const ushort ExponentMask = 0x7C00; // exponent 31: inf or NaN

    /// <summary>True when none of the <paramref name="count"/> halves at <paramref name="p"/> is inf or NaN.
    /// Reads them all once (about 0.1 s per GB).</summary>
    public static bool AllFinite(ushort* p, long count) => AllFinite(p, count, CpuKernels.Path);

    /// <summary><see cref="AllFinite(ushort*, long)"/> on <paramref name="path"/>'s registers.</summary>
    internal static bool AllFinite(ushort* p, long count, CpuKernelPath path)
    {
        long i = 0;
        if (path == CpuKernelPath.Avx512)
        {
            var mask = Vector512.Create(ExponentMask);
            for (; i + 32 <= count; i += 32)
            {
                if (Vector512.EqualsAny(Vector512.Load(p + i) & mask, mask)) return false;
            }
        }
        else if (path == CpuKernelPath.Avx2)
        {
            var mask = Vector256.Create(ExponentMask);
            for (; i + 32 <= count; i += 32)
            {
                Vector256<ushort> a = Vector256.Load(p + i) & mask, b = Vector256.Load(p + i + 16) & mask;
                if (Vector256.EqualsAny(Vector256.Max(a, b), mask)) return false;
            }
        }
        else
        {
            var mask = Vector128.Create(ExponentMask);
            for (; i + 16 <= count; i += 16)
            {
                Vector128<ushort> a = Vector128.Load(p + i) & mask, b = Vector128.Load(p + i + 8) & mask;
                if (Vector128.EqualsAny(Vector128.Max(a, b), mask)) return false;
            }
        }
        for (; i < count; i++)
        {
            if ((p[i] & ExponentMask) == ExponentMask) return false;
        }
        return true;
    }
}
