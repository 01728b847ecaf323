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

    /// <summary>The 256-bit slice of a step at <paramref name="p"/> (<see cref="PanelSlices"/>): 8 rows into
    /// <paramref name="lo"/> and 8 into <paramref name="hi"/>.</summary>
    static abstract void Load256(byte* p, out Vector256<float> lo, out Vector256<float> hi);

    /// <summary>The 128-bit slice of a step at <paramref name="p"/> (<see cref="PanelSlices"/>): 4 rows into
    /// <paramref name="lo"/> and 4 into <paramref name="hi"/>.</summary>
    static abstract void Load128(byte* p, out Vector128<float> lo, out Vector128<float> hi);

    /// <summary>Bytes of one stored element.</summary>
    static abstract int ElementBytes { get; }
}

/// <summary>
/// Where the narrower kernels' slices of a panel step sit and which rows they hold. A step is cut into slices of
/// <c>lanes</c> 32-bit lanes (8 for 256-bit kernels, 4 for 128-bit); a slice loads as two vectors of <c>lanes</c> rows.
/// FP32 steps hold the rows in order, so slice i is rows <c>2·lanes·i ..</c> (lo, then hi right after it); 2-byte
/// steps hold row j and 16 + j in lane j, so slice i is rows <c>lanes·i ..</c> (lo) and <c>16 + lanes·i ..</c> (hi).
/// </summary>
internal static class PanelSlices
{
    /// <summary>Byte offset of slice <paramref name="i"/> of <paramref name="lanes"/> lanes within a step.</summary>
    public static int Offset(int i, int lanes, int elementBytes) => i * lanes * 2 * elementBytes;

    /// <summary>First row of slice <paramref name="i"/>'s lo vector.</summary>
    public static int LowRow(int i, int lanes, int elementBytes) => elementBytes == 4 ? 2 * lanes * i : lanes * i;

    /// <summary>First row of slice <paramref name="i"/>'s hi vector.</summary>
    public static int HighRow(int i, int lanes, int elementBytes) => elementBytes == 4 ? 2 * lanes * i + lanes : PanelLayout.Rows / 2 + lanes * i;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        lo = Vector256.Load((float*)p);
        hi = Vector256.Load((float*)p + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load128(byte* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        lo = Vector128.Load((float*)p);
        hi = Vector128.Load((float*)p + 4);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        Vector256<uint> v = Vector256.Load((uint*)p);
        lo = Vector256.ShiftLeft(v, 16).AsSingle();
        hi = (v & Vector256.Create(0xFFFF_0000u)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load128(byte* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        Vector128<uint> v = Vector128.Load((uint*)p);
        lo = Vector128.ShiftLeft(v, 16).AsSingle();
        hi = (v & Vector128.Create(0xFFFF_0000u)).AsSingle();
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        Vector256<int> v = Vector256.Load((int*)p);
        Vector256<int> mask = Vector256.Create(F16FiniteLoader.SignExponentMantissa);
        lo = (Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(v, 16), 3) & mask).AsSingle() * Vector256.Create(F16FiniteLoader.Rebase);
        hi = (Vector256.ShiftRightArithmetic(v, 3) & mask).AsSingle() * Vector256.Create(F16FiniteLoader.Rebase);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load128(byte* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        Vector128<int> v = Vector128.Load((int*)p);
        Vector128<int> mask = Vector128.Create(F16FiniteLoader.SignExponentMantissa);
        lo = (Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(v, 16), 3) & mask).AsSingle() * Vector128.Create(F16FiniteLoader.Rebase);
        hi = (Vector128.ShiftRightArithmetic(v, 3) & mask).AsSingle() * Vector128.Create(F16FiniteLoader.Rebase);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        Vector256<uint> v = Vector256.Load((uint*)p);
        lo = F16Loader.Widen(v & Vector256.Create(0xFFFFu));
        hi = F16Loader.Widen(Vector256.ShiftRightLogical(v, 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load128(byte* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        Vector128<uint> v = Vector128.Load((uint*)p);
        lo = F16Loader.Widen(v & Vector128.Create(0xFFFFu));
        hi = F16Loader.Widen(Vector128.ShiftRightLogical(v, 16));
    }
}
