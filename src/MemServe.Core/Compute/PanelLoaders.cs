using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Loads one k-step of a packed panel (<see cref="PanelLayout"/>): the 32 weights of column k for the panel's 32
/// rows, as two FP32 vectors (rows 0–15 and rows 16–31). Kernels are generic over a struct implementing this,
/// so the JIT emits one loop per dtype with no dispatch inside.
/// </summary>
internal unsafe interface IPanelLoader
{
    /// <summary>Rows 0–15 into <paramref name="lo"/>, rows 16–31 into <paramref name="hi"/>, from the step at <paramref name="p"/>.</summary>
    static abstract void Load(byte* p, out Vector512<float> lo, out Vector512<float> hi);

    /// <summary>Bytes of one stored element.</summary>
    static abstract int ElementBytes { get; }
}

/// <summary>FP32 panels: a step is rows 0–31 in order (two plain loads).</summary>
internal readonly unsafe struct F32Panel : IPanelLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(byte* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        lo = Vector512.Load((float*)p);
        hi = Vector512.Load((float*)p + 16);
    }
}

/// <summary>BF16 panels: 32-bit lane j of a step holds row j in its low half and row 16 + j in its high half, so one
/// load widens with one shift (rows 0–15) and one mask (rows 16–31), since bf16 is the top half of an FP32.</summary>
internal readonly unsafe struct Bf16Panel : IPanelLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(byte* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        Vector512<uint> v = Vector512.Load((uint*)p);
        lo = Vector512.ShiftLeft(v, 16).AsSingle();
        hi = (v & Vector512.Create(0xFFFF_0000u)).AsSingle();
    }
}

/// <summary>
/// F16 panels known to be finite (checked when packed), laid out like <see cref="Bf16Panel"/>. Each half is brought to
/// the top of its lane (row j: shift left 16), shifted arithmetically right by 3 so its exponent and mantissa land in
/// FP32 position with the sign kept in bit 31, masked, and rebased by 2^112 — exact for normal and subnormal halves
/// (the rule of <see cref="F16FiniteLoader"/>).
/// </summary>
internal readonly unsafe struct F16FinitePanel : IPanelLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(byte* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        Vector512<int> v = Vector512.Load((int*)p);
        Vector512<int> mask = Vector512.Create(F16FiniteLoader.SignExponentMantissa);
        lo = (Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(v, 16), 3) & mask).AsSingle() * Vector512.Create(F16FiniteLoader.Rebase);
        hi = (Vector512.ShiftRightArithmetic(v, 3) & mask).AsSingle() * Vector512.Create(F16FiniteLoader.Rebase);
    }
}

/// <summary>F16 panels that may hold inf or NaN, laid out like <see cref="Bf16Panel"/>, widened exactly by the rule
/// of <see cref="F16Loader"/> (about twice the operations of <see cref="F16FinitePanel"/>).</summary>
internal readonly unsafe struct F16Panel : IPanelLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(byte* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        Vector512<uint> v = Vector512.Load((uint*)p);
        lo = F16Loader.Widen(v & Vector512.Create(0xFFFFu));
        hi = F16Loader.Widen(Vector512.ShiftRightLogical(v, 16));
    }
}
