using MemServe.Model;

namespace MemServe.Compute;

/// <summary>
/// A borrowed, read-only weight matrix in PyTorch Linear layout <c>[Rows = out_features, Cols = in_features]</c>,
/// row-major, in its stored dtype. The memory belongs to the tensor source and must outlive every use.
/// </summary>
internal readonly unsafe struct WeightMatrix(byte* data, DType dtype, int rows, int cols)
{
    /// <summary>Address of element [0, 0].</summary>
    public byte* Data { get; } = data;

    /// <summary>Stored element type (widened to FP32 inside the kernels).</summary>
    public DType DType { get; } = dtype;

    /// <summary>Output features.</summary>
    public int Rows { get; } = rows;

    /// <summary>Input features.</summary>
    public int Cols { get; } = cols;

    /// <summary>Bytes of one row.</summary>
    public long RowBytes => (long)Cols * DType.SizeInBytes();

    /// <summary>Start of row <paramref name="row"/>.</summary>
    public byte* Row(int row) => Data + row * RowBytes;

    /// <summary>Wraps a 2-D tensor.</summary>
    public static WeightMatrix From(TensorRef tensor) =>
        new((byte*)tensor.Pointer, tensor.DType, checked((int)tensor.Shape[0]), checked((int)tensor.Shape[1]));
}
