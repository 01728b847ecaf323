using System.Numerics.Tensors;
using MemServe.Model;

namespace MemServe.Compute;

/// <summary>Widens stored F32/F16/BF16 (and dequantizes Q8) elements to FP32 (embedding rows, small vectors at bind time).</summary>
internal static unsafe class WeightConvert
{
    /// <summary>Converts <paramref name="count"/> elements at <paramref name="source"/> (of <paramref name="dtype"/>) into <paramref name="destination"/>.</summary>
    public static void ToSingle(byte* source, DType dtype, int count, float* destination)
    {
        var dst = new Span<float>(destination, count);
        switch (dtype)
        {
            case DType.F32:
                new ReadOnlySpan<float>(source, count).CopyTo(dst);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(source, count), dst);
                break;
            case DType.BF16:
                var src = new ReadOnlySpan<ushort>(source, count);
                for (int i = 0; i < count; i++) dst[i] = BitConverter.UInt32BitsToSingle((uint)src[i] << 16);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unsupported weight dtype");
        }
    }

    /// <summary>Converts row <paramref name="row"/> of <paramref name="matrix"/> into <paramref name="destination"/> (Cols floats).</summary>
    public static void Row(in WeightMatrix matrix, int row, float* destination)
    {
        if (matrix.Packed && matrix.Format == WeightFormat.Q8)
        {
            Q8Panels.DequantizeRow(matrix, row, destination);
            return;
        }
        if (matrix.Packed)
        {
            PanelLayout.ReadRow(matrix, row, destination);
            return;
        }
        switch (matrix.Format)
        {
            case WeightFormat.F32: ToSingle(matrix.Row(row), DType.F32, matrix.Cols, destination); break;
            case WeightFormat.F16: ToSingle(matrix.Row(row), DType.F16, matrix.Cols, destination); break;
            case WeightFormat.BF16: ToSingle(matrix.Row(row), DType.BF16, matrix.Cols, destination); break;
            default:
                Q8Block.DequantizeRow((sbyte*)matrix.Row(row), matrix.Scales + (long)row * matrix.BlocksPerRow, matrix.Cols, destination);
                break;
        }
    }
}
