using MemServe.Model;

namespace MemServe.Compute;

/// <summary>How the elements of a <see cref="WeightMatrix"/> are stored.</summary>
internal enum WeightFormat
{
    /// <summary>IEEE single precision, as stored in the checkpoint.</summary>
    F32,
    /// <summary>IEEE half precision, widened in registers.</summary>
    F16,
    /// <summary>bfloat16, widened in registers.</summary>
    BF16,
    /// <summary>Symmetric int8 in blocks of <see cref="Q8Block.Size"/> values, one FP32 scale per block
    /// (Q8_0-like); rows padded with zeros to a whole number of blocks. Made at load by <see cref="Q8Quantizer"/>.</summary>
    Q8,
}

/// <summary>
/// A borrowed, read-only weight matrix in PyTorch Linear layout <c>[Rows = out_features, Cols = in_features]</c>,
/// row-major. F32/F16/BF16 matrices point into the tensor source (zero-copy); Q8 matrices into the runner's
/// quantized copy, with <see cref="Scales"/> (Rows, Cols / 32 rounded up). The memory must outlive every use.
/// </summary>
internal readonly unsafe struct WeightMatrix
{
    /// <summary>Wraps a matrix stored as <paramref name="format"/>; <paramref name="scales"/> only for Q8.</summary>
    public WeightMatrix(byte* data, WeightFormat format, int rows, int cols, float* scales = null)
    {
        Data = data;
        Format = format;
        Rows = rows;
        Cols = cols;
        Scales = scales;
        // Only F16 matrices are checked (when bound by From); others never take the F16 paths.
        F16AllFinite = format == WeightFormat.F16 && data != null && HalfBits.AllFinite((ushort*)data, (long)rows * cols);
    }

    /// <summary>Wraps a matrix stored as a checkpoint dtype.</summary>
    public WeightMatrix(byte* data, DType dtype, int rows, int cols)
        : this(data, FormatOf(dtype), rows, cols)
    {
    }

    /// <summary>Address of element [0, 0].</summary>
    public byte* Data { get; }

    /// <summary>For F16: no element is inf or NaN (checked once when the matrix is wrapped), so kernels may use
    /// <see cref="F16FiniteLoader"/>, which widens in half the operations of <see cref="F16Loader"/>.</summary>
    public bool F16AllFinite { get; }

    /// <summary>Storage format (widened to FP32, or dotted as int8, inside the kernels).</summary>
    public WeightFormat Format { get; }

    /// <summary>Output features.</summary>
    public int Rows { get; }

    /// <summary>Input features.</summary>
    public int Cols { get; }

    /// <summary>Q8 only: (Rows, BlocksPerRow) FP32 block scales; null otherwise.</summary>
    public float* Scales { get; }

    /// <summary>Q8 only: blocks of 32 per row.</summary>
    public int BlocksPerRow => Q8Block.BlocksFor(Cols);

    /// <summary>Bytes of one row (Q8: padded to whole blocks).</summary>
    public long RowBytes => Format switch
    {
        WeightFormat.F32 => (long)Cols * 4,
        WeightFormat.Q8 => (long)BlocksPerRow * Q8Block.Size,
        _ => (long)Cols * 2,
    };

    /// <summary>Bytes of the element data (Q8: without the scales).</summary>
    public long DataBytes => RowBytes * Rows;

    /// <summary>Start of row <paramref name="row"/>.</summary>
    public byte* Row(int row) => Data + row * RowBytes;

    /// <summary>Wraps a 2-D tensor.</summary>
    public static WeightMatrix From(TensorRef tensor) =>
        new((byte*)tensor.Pointer, tensor.DType, checked((int)tensor.Shape[0]), checked((int)tensor.Shape[1]));

    /// <summary>The format that stores <paramref name="dtype"/> as is.</summary>
    public static WeightFormat FormatOf(DType dtype) => dtype switch
    {
        DType.F32 => WeightFormat.F32,
        DType.F16 => WeightFormat.F16,
        DType.BF16 => WeightFormat.BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unsupported weight dtype"),
    };
}
