using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// The 256-bit int8 dot product of the AVX2 and AVX-512 paths: per int32 lane, the sum of the 4 products of
/// unsigned bytes <c>u</c> (at most 128: an absolute value) and signed bytes <c>s</c>, with no saturation for
/// <c>|s| ≤ 127</c>. The kernels feed it <c>|x|</c> and <c>sign(x) · w</c>, and branch on nothing.
/// </summary>
internal interface IInt8Dot
{
    /// <summary><c>Σ_{j&lt;4} u[4i + j] · s[4i + j]</c> in lane i.</summary>
    static abstract Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s);
}

/// <summary>One <c>vpdpbusd</c> (<see cref="AvxVnni"/>).</summary>
internal readonly struct VnniDot : IInt8Dot
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) => AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s);
}

/// <summary><c>vpmaddubsw</c> (pairs into int16: at most 2 · 128 · 127, no saturation) then <c>vpmaddwd</c> by ones
/// (AVX2).</summary>
internal readonly struct MaddubsDot : IInt8Dot
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256<short>.One);
}
