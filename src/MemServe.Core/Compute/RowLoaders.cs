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
}

/// <summary>FP32 weights: plain loads.</summary>
internal readonly unsafe struct F32Loader : IRowLoader
{
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
