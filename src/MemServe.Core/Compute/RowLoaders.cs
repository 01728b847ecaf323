using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Loads consecutive weight elements of one stored dtype as FP32 vectors. Kernels are generic over a
/// struct implementing this, so the JIT emits one specialised loop per dtype with no dispatch inside.
/// </summary>
internal unsafe interface IRowLoader
{
    /// <summary>16 elements starting at element <paramref name="i"/>.</summary>
    static abstract Vector512<float> Load512(byte* row, int i);

    /// <summary>8 elements starting at element <paramref name="i"/>.</summary>
    static abstract Vector256<float> Load256(byte* row, int i);

    /// <summary>Element <paramref name="i"/>.</summary>
    static abstract float Load1(byte* row, int i);

    /// <summary>Whether groups of 8 tokens run against 3 rows at a time (24 accumulators): pays when widening a
    /// weight vector is cheap (FP32 +10–15%, BF16 +5–10% measured); F16's longer widening leaves too few
    /// registers, so it stays at 2 rows.</summary>
    static abstract bool ThreeRowTile { get; }

    /// <summary>Bytes of one element (the attention kernels read FP32 and BF16 KV caches through the same loaders).</summary>
    static abstract int ElementBytes { get; }
}

/// <summary>FP32 weights: plain loads.</summary>
internal readonly unsafe struct F32Loader : IRowLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 4;

    /// <inheritdoc />
    public static bool ThreeRowTile => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* row, int i) => Vector512.Load((float*)row + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* row, int i) => Vector256.Load((float*)row + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, int i) => ((float*)row)[i];
}

/// <summary>BF16 weights: zero-extend each ushort to uint and shift left 16 (bf16 is the top half of an f32).</summary>
internal readonly unsafe struct Bf16Loader : IRowLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 2;

    /// <inheritdoc />
    public static bool ThreeRowTile => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* row, int i)
    {
        Vector256<ushort> h = Vector256.Load((ushort*)row + i);
        return Vector512.ShiftLeft(Vector512.WidenLower(h.ToVector512Unsafe()), 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* row, int i)
    {
        Vector128<ushort> h = Vector128.Load((ushort*)row + i);
        return Vector256.ShiftLeft(Vector256.WidenLower(h.ToVector256Unsafe()), 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, int i) => BitConverter.UInt32BitsToSingle((uint)((ushort*)row)[i] << 16);
}

/// <summary>
/// F16 weights widened in registers (.NET 10 exposes no <c>vcvtph2ps</c>): the exponent and mantissa bits
/// are moved into FP32 position (<c>&lt;&lt; 13</c>) and rebased by multiplying with 2^112, which is exact for
/// normal and subnormal halves alike; exponent 31 (inf/NaN) is patched to 255; the sign is or-ed back.
/// </summary>
internal readonly unsafe struct F16Loader : IRowLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 2;

    /// <inheritdoc />
    public static bool ThreeRowTile => false;

    private const uint InfNanThreshold = 0x0F80_0000; // half exponent 31 after << 13
    private const float Rebase = F16FiniteLoader.Rebase;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* row, int i) =>
        Widen(Vector512.WidenLower(Vector256.Load((ushort*)row + i).ToVector512Unsafe()));

    /// <summary>Widens 16 halves held in the low 16 bits of each lane (the panel loaders share this rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Widen(Vector512<uint> h)
    {
        Vector512<uint> em = Vector512.ShiftLeft(h & Vector512.Create(0x7FFFu), 13);
        Vector512<uint> bits = (em.AsSingle() * Vector512.Create(Rebase)).AsUInt32();
        bits |= Vector512.GreaterThanOrEqual(em, Vector512.Create(InfNanThreshold)) & Vector512.Create(0x7F80_0000u);
        return (bits | Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* row, int i) =>
        Widen(Vector256.WidenLower(Vector128.Load((ushort*)row + i).ToVector256Unsafe()));

    /// <summary>8 halves in the low 16 bits of each lane, by the rule of <see cref="Widen(Vector512{uint})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Widen(Vector256<uint> h)
    {
        Vector256<uint> em = Vector256.ShiftLeft(h & Vector256.Create(0x7FFFu), 13);
        Vector256<uint> bits = (em.AsSingle() * Vector256.Create(Rebase)).AsUInt32();
        bits |= Vector256.GreaterThanOrEqual(em, Vector256.Create(InfNanThreshold)) & Vector256.Create(0x7F80_0000u);
        return (bits | Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16)).AsSingle();
    }

    /// <summary>4 halves in the low 16 bits of each lane, by the rule of <see cref="Widen(Vector512{uint})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Widen(Vector128<uint> h)
    {
        Vector128<uint> em = Vector128.ShiftLeft(h & Vector128.Create(0x7FFFu), 13);
        Vector128<uint> bits = (em.AsSingle() * Vector128.Create(Rebase)).AsUInt32();
        bits |= Vector128.GreaterThanOrEqual(em, Vector128.Create(InfNanThreshold)) & Vector128.Create(0x7F80_0000u);
        return (bits | Vector128.ShiftLeft(h & Vector128.Create(0x8000u), 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, int i) => (float)((Half*)row)[i];
}

/// <summary>
/// F16 weights known to be finite (no exponent-31 halves; checked once when the matrix is bound), widened in
/// four operations: sign-extend each half to 32 bits, shift the exponent and mantissa into FP32 position
/// (<c>&lt;&lt; 13</c>), keep the sign and those 15 bits, and rebase by 2^112 — exact for normal and
/// subnormal halves. <see cref="F16Loader"/> also handles inf and NaN at about twice the cost.
/// </summary>
internal readonly unsafe struct F16FiniteLoader : IRowLoader
{
    /// <inheritdoc />
    public static int ElementBytes => 2;

    /// <inheritdoc />
    public static bool ThreeRowTile => false;

    /// <summary>2^112: rebases a half's exponent, moved into FP32 position, to FP32's bias.</summary>
    internal const float Rebase = 5.192296858534828e33f;

    /// <summary>The sign and the 15 exponent and mantissa bits of a sign-extended half shifted left by 13.</summary>
    internal const int SignExponentMantissa = unchecked((int)0x8FFF_E000);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* row, int i)
    {
        Vector512<int> h = Vector512.WidenLower(Vector256.Load((short*)row + i).ToVector512Unsafe());
        return (Vector512.ShiftLeft(h, 13) & Vector512.Create(SignExponentMantissa)).AsSingle() * Vector512.Create(Rebase);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* row, int i)
    {
        Vector256<int> h = Vector256.WidenLower(Vector128.Load((short*)row + i).ToVector256Unsafe());
        return (Vector256.ShiftLeft(h, 13) & Vector256.Create(SignExponentMantissa)).AsSingle() * Vector256.Create(Rebase);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, int i) => (float)((Half*)row)[i];
}
