using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Four consecutive KV elements as a <see cref="Vector128{T}"/> of FP32, for the portable attention kernels (the row
/// loaders stop at 256 bits). FP32 caches load directly; BF16 caches (<see cref="Bf16Loader"/>) load 64 bits and
/// widen each half to the top of an FP32. Cross-platform <see cref="Vector128"/> only.
/// </summary>
internal static unsafe class KvLoad128
{
    /// <summary>Elements <paramref name="i"/>..<paramref name="i"/> + 3 of <paramref name="row"/> in
    /// <typeparamref name="TKv"/>'s element type (<see cref="F32Loader"/> or <see cref="Bf16Loader"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load<TKv>(byte* row, int i) where TKv : struct, IRowLoader
    {
        if (TKv.ElementBytes == 4) return Vector128.Load((float*)row + i);
        Vector128<ushort> h = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>((ushort*)row + i)).AsUInt16();
        return Vector128.ShiftLeft(Vector128.WidenLower(h), 16).AsSingle();
    }
}
