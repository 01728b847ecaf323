using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>How the attention kernels read KV elements: FP32 as stored, or BF16 widened in registers. Element
/// index <c>i</c> counts from <c>p</c> in elements.</summary>
internal unsafe interface IKvElements
{
    /// <summary>Bytes of one element.</summary>
    static abstract int Bytes { get; }

    /// <summary>Elements i..i+15 as FP32.</summary>
    static abstract Vector512<float> Load16(byte* p, long i);

    /// <summary>Elements i..i+7 as FP32.</summary>
    static abstract Vector256<float> Load8(byte* p, long i);

    /// <summary>Element i as FP32.</summary>
    static abstract float Load1(byte* p, long i);
}

/// <summary>An FP32 KV cache.</summary>
internal readonly unsafe struct F32Kv : IKvElements
{
    /// <inheritdoc />
    public static int Bytes => 4;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p, long i) => Vector512.Load((float*)p + i);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p, long i) => Vector256.Load((float*)p + i);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* p, long i) => ((float*)p)[i];
}

/// <summary>A BF16 KV cache: each element is the top half of an FP32.</summary>
internal readonly unsafe struct Bf16Kv : IKvElements
{
    /// <inheritdoc />
    public static int Bytes => 2;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p, long i) =>
        Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load((ushort*)p + i).ToVector512Unsafe()), 16).AsSingle();

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p, long i) =>
        Vector256.ShiftLeft(Vector256.WidenLower(Vector128.Load((ushort*)p + i).ToVector256Unsafe()), 16).AsSingle();

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* p, long i) => BitConverter.UInt32BitsToSingle((uint)((ushort*)p)[i] << 16);
}
