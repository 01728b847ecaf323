using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MemServe.Compute;

namespace MemServe.Model;

/// <summary>
/// Conversions between F32 and the 16-bit checkpoint types. BF16 is the upper half of an F32
/// (narrowing rounds to nearest, ties to even; NaN stays a quiet NaN of the same sign); F16 is
/// IEEE 754 half precision via <see cref="Half"/>. Raw byte spans are little-endian, as stored in
/// safetensors. The BF16 span conversions run in the registers of <see cref="CpuKernels.Path"/> (512-bit, 256-bit
/// or portable 128-bit; the same bits on every path). All methods are pure and thread-safe.
/// </summary>
public static class HalfPrecision
{
    /// <summary>Widens a BF16 bit pattern to F32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BF16ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Narrows an F32 to BF16, rounding to nearest with ties to even; NaN stays NaN, ±inf stays ±inf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FloatToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((bits >> 16) | 0x0040u);
        }
        uint rounding = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + rounding) >> 16);
    }

    /// <summary>Widens an F16 bit pattern to F32 (exact).</summary>
    public static float F16ToFloat(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Narrows an F32 to F16 (round to nearest even, overflow to ±inf, NaN stays NaN).</summary>
    public static ushort FloatToF16(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>
    /// Converts <paramref name="raw"/> elements of <paramref name="dtype"/> to F32.
    /// <paramref name="raw"/> must hold exactly <c>dst.Length × dtype size</c> bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public static void ConvertToF32(ReadOnlySpan<byte> raw, DType dtype, Span<float> dst)
    {
        CheckLengths(raw.Length, dtype, dst.Length);
        switch (dtype)
        {
            case DType.F32:
                raw.CopyTo(MemoryMarshal.AsBytes(dst));
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(raw), dst);
                break;
            default:
                BF16ToF32(MemoryMarshal.Cast<byte, ushort>(raw), dst);
                break;
        }
    }

    /// <summary>
    /// Converts F32 values to <paramref name="dtype"/> elements written into <paramref name="raw"/>,
    /// which must hold exactly <c>src.Length × dtype size</c> bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public static void ConvertFromF32(ReadOnlySpan<float> src, DType dtype, Span<byte> raw)
    {
        CheckLengths(raw.Length, dtype, src.Length);
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.AsBytes(src).CopyTo(raw);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToHalf(src, MemoryMarshal.Cast<byte, Half>(raw));
                break;
            default:
                F32ToBF16(src, MemoryMarshal.Cast<byte, ushort>(raw));
                break;
        }
    }

    private static void CheckLengths(int rawBytes, DType dtype, int elements)
    {
        if ((long)elements * dtype.SizeInBytes() != rawBytes)
        {
            throw new ArgumentException(
                $"{rawBytes} raw bytes do not hold {elements} {dtype.SafetensorsName()} elements ({dtype.SizeInBytes()} bytes each).");
        }
    }

    private static void BF16ToF32(ReadOnlySpan<ushort> src, Span<float> dst) => BF16ToF32(src, dst, CpuKernels.Path);

    /// <summary>Widens BF16 to F32 in <paramref name="path"/>'s registers (every path gives the same bits).</summary>
    internal static void BF16ToF32(ReadOnlySpan<ushort> src, Span<float> dst, CpuKernelPath path)
    {
        int i = 0;
        Span<uint> dstBits = MemoryMarshal.Cast<float, uint>(dst);
        if (path == CpuKernelPath.Avx512)
        {
            for (; i + Vector512<ushort>.Count <= src.Length; i += Vector512<ushort>.Count)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Create(src.Slice(i, Vector512<ushort>.Count)));
                Vector512.ShiftLeft(lo, 16).CopyTo(dstBits.Slice(i));
                Vector512.ShiftLeft(hi, 16).CopyTo(dstBits.Slice(i + Vector512<uint>.Count));
            }
        }
        else if (path == CpuKernelPath.Avx2)
        {
            for (; i + Vector256<ushort>.Count <= src.Length; i += Vector256<ushort>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(src.Slice(i, Vector256<ushort>.Count)));
                Vector256.ShiftLeft(lo, 16).CopyTo(dstBits.Slice(i));
                Vector256.ShiftLeft(hi, 16).CopyTo(dstBits.Slice(i + Vector256<uint>.Count));
            }
        }
        else
        {
            for (; i + Vector128<ushort>.Count <= src.Length; i += Vector128<ushort>.Count)
            {
                var (lo, hi) = Vector128.Widen(Vector128.Create(src.Slice(i, Vector128<ushort>.Count)));
                Vector128.ShiftLeft(lo, 16).CopyTo(dstBits.Slice(i));
                Vector128.ShiftLeft(hi, 16).CopyTo(dstBits.Slice(i + Vector128<uint>.Count));
            }
        }
        for (; i < src.Length; i++) dst[i] = BF16ToFloat(src[i]);
    }

    private static void F32ToBF16(ReadOnlySpan<float> src, Span<ushort> dst) => F32ToBF16(src, dst, CpuKernels.Path);

    /// <summary>Narrows F32 to BF16 (<see cref="FloatToBF16"/>'s rounding) in <paramref name="path"/>'s registers (every
    /// path gives the same bits).</summary>
    internal static void F32ToBF16(ReadOnlySpan<float> src, Span<ushort> dst, CpuKernelPath path)
    {
        int i = 0;
        ReadOnlySpan<uint> srcBits = MemoryMarshal.Cast<float, uint>(src);
        if (path == CpuKernelPath.Avx512)
        {
            int step = Vector512<ushort>.Count;
            for (; i + step <= src.Length; i += step)
            {
                Vector512<uint> lo = RoundToBF16(Vector512.Create(srcBits.Slice(i, Vector512<uint>.Count)));
                Vector512<uint> hi = RoundToBF16(Vector512.Create(srcBits.Slice(i + Vector512<uint>.Count, Vector512<uint>.Count)));
                Vector512.Narrow(lo, hi).CopyTo(dst.Slice(i));
            }
        }
        else if (path == CpuKernelPath.Avx2)
        {
            int step = Vector256<ushort>.Count;
            for (; i + step <= src.Length; i += step)
            {
                Vector256<uint> lo = RoundToBF16(Vector256.Create(srcBits.Slice(i, Vector256<uint>.Count)));
                Vector256<uint> hi = RoundToBF16(Vector256.Create(srcBits.Slice(i + Vector256<uint>.Count, Vector256<uint>.Count)));
                Vector256.Narrow(lo, hi).CopyTo(dst.Slice(i));
            }
        }
        else
        {
            int step = Vector128<ushort>.Count;
            for (; i + step <= src.Length; i += step)
            {
                Vector128<uint> lo = RoundToBF16(Vector128.Create(srcBits.Slice(i, Vector128<uint>.Count)));
                Vector128<uint> hi = RoundToBF16(Vector128.Create(srcBits.Slice(i + Vector128<uint>.Count, Vector128<uint>.Count)));
                Vector128.Narrow(lo, hi).CopyTo(dst.Slice(i));
            }
        }
        for (; i < src.Length; i++) dst[i] = FloatToBF16(src[i]);
    }

    /// <summary>Vector form of <see cref="FloatToBF16"/>; the result holds the BF16 bits in each lane's low half.</summary>
    private static Vector512<uint> RoundToBF16(Vector512<uint> bits)
    {
        Vector512<uint> rounded = Vector512.ShiftRightLogical(
            bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One), 16);
        Vector512<uint> quietNaN = Vector512.ShiftRightLogical(bits, 16) | Vector512.Create(0x0040u);
        Vector512<uint> isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(isNaN, quietNaN, rounded);
    }

    /// <summary>256-bit <see cref="RoundToBF16(Vector512{uint})"/>.</summary>
    private static Vector256<uint> RoundToBF16(Vector256<uint> bits)
    {
        Vector256<uint> rounded = Vector256.ShiftRightLogical(
            bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One), 16);
        Vector256<uint> quietNaN = Vector256.ShiftRightLogical(bits, 16) | Vector256.Create(0x0040u);
        Vector256<uint> isNaN = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(isNaN, quietNaN, rounded);
    }

    /// <summary>128-bit <see cref="RoundToBF16(Vector512{uint})"/> (cross-platform <see cref="Vector128"/> only).</summary>
    private static Vector128<uint> RoundToBF16(Vector128<uint> bits)
    {
        Vector128<uint> rounded = Vector128.ShiftRightLogical(
            bits + Vector128.Create(0x7FFFu) + (Vector128.ShiftRightLogical(bits, 16) & Vector128<uint>.One), 16);
        Vector128<uint> quietNaN = Vector128.ShiftRightLogical(bits, 16) | Vector128.Create(0x0040u);
        Vector128<uint> isNaN = Vector128.GreaterThan(bits & Vector128.Create(0x7FFF_FFFFu), Vector128.Create(0x7F80_0000u));
        return Vector128.ConditionalSelect(isNaN, quietNaN, rounded);
    }
}
