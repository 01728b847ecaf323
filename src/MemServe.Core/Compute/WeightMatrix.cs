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
/// A borrowed, read-only weight matrix <c>[Rows = out_features, Cols = in_features]</c> (PyTorch Linear). Either
/// row-major (F32/F16/BF16 pointing into the tensor source, zero-copy; Q8 into the runner's quantized copy, with
/// <see cref="Scales"/> (Rows, Cols / 32 rounded up)), or, with <see cref="Packed"/>, in the runner's packed copy:
/// F32/F16/BF16 in 32-row panels stored column by column (<see cref="PanelLayout"/>), Q8 in 16-row panels of block
/// records with their scales (<see cref="Q8Panels"/>). The memory must outlive every use.
/// </summary>
internal readonly unsafe struct WeightMatrix
{
    /// <summary>Wraps a matrix stored as <paramref name="format"/>; <paramref name="scales"/> only for Q8.</summary>
    public WeightMatrix(byte* data, WeightFormat format, int rows, int cols, float* scales = null, bool packed = false)
    {
        if (packed && scales != null) throw new ArgumentException("packed Q8 matrices keep their scales in the panels", nameof(scales));
        Data = data;
        Packed = packed;
        Format = format;
        Rows = rows;
        Cols = cols;
        Scales = scales;
        // Only F16 matrices are checked (when bound by From); others never take the F16 paths.
        // Packed data must be written before the matrix is wrapped (zero padding rows are finite).
        F16AllFinite = format == WeightFormat.F16 && data != null
            && HalfBits.AllFinite((ushort*)data, (packed ? PanelLayout.PanelsFor(rows) * PanelLayout.Rows : rows) * (long)cols);
    }

    /// <summary>The packed copy of this row-major F32/F16/BF16 matrix, whose panels <paramref name="packed"/> holds (written
    /// by <see cref="PanelLayout.Pack"/>): packing keeps every value, so the F16 finiteness found at bind carries over
    /// instead of being scanned again.</summary>
    public WeightMatrix PackedAt(byte* packed) => new(this, packed);

    private WeightMatrix(in WeightMatrix rowMajor, byte* packed)
    {
        Data = packed;
        Packed = true;
        Format = rowMajor.Format;
        Rows = rowMajor.Rows;
        Cols = rowMajor.Cols;
        F16AllFinite = rowMajor.F16AllFinite;
    }

    /// <summary>Wraps a matrix stored as a checkpoint dtype.</summary>
    public WeightMatrix(byte* data, DType dtype, int rows, int cols)
        : this(data, FormatOf(dtype), rows, cols)
    {
    }

    /// <summary>Address of element [0, 0] (row-major), or of the first panel (<see cref="Packed"/>).</summary>
    public byte* Data { get; }

    /// <summary>Stored in panels (<see cref="PanelLayout"/>, <see cref="Q8Panels"/>) rather than row-major.</summary>
    public bool Packed { get; }

    /// <summary>Panels of a packed matrix (32 rows each, 16 for Q8).</summary>
    public int Panels => Format == WeightFormat.Q8 ? Q8Panels.PanelsFor(Rows) : PanelLayout.PanelsFor(Rows);

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

    /// <summary>Bytes of one row (Q8: padded to whole blocks). Row-major only.</summary>
    public long RowBytes => Format switch
    {
        WeightFormat.F32 => (long)Cols * 4,
        WeightFormat.Q8 => (long)BlocksPerRow * Q8Block.Size,
        _ => (long)Cols * 2,
    };

    /// <summary>Bytes of one stored element (Q8: 1, without the scales).</summary>
    public int ElementBytes => Format switch { WeightFormat.F32 => 4, WeightFormat.Q8 => 1, _ => 2 };

    /// <summary>Bytes of the element data (row-major Q8: without the scales; packed: whole panels, Q8 scales included).</summary>
    public long DataBytes => !Packed ? RowBytes * Rows
        : Format == WeightFormat.Q8 ? Q8Panels.BytesFor(Rows, Cols) : PanelLayout.PackedBytes(Rows, Cols, ElementBytes);

    /// <summary>Start of row <paramref name="row"/>. Row-major only.</summary>
    public byte* Row(int row) => Packed ? throw new InvalidOperationException("A packed matrix has no contiguous rows.") : Data + row * RowBytes;

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
