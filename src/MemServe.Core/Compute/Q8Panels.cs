namespace MemServe.Compute;

/// <summary>
/// The packed layout of a <see cref="WeightFormat.Q8"/> matrix that <see cref="Q8PanelKernels"/> read as one stream:
/// rows in panels of <see cref="Rows"/>, a panel stored block by block (32 columns). A block record is 8 steps of 64
/// bytes (step s: columns 32b + 4s .. + 3 of the 16 rows, 4 bytes per row, so one 256-bit <c>vpdpbusd</c> serves rows
/// 0–7 and the next rows 8–15) followed by the 16 rows' block scales as F16, like Q8_0: <see cref="RecordBytes"/> = 544,
/// 1.0625 bytes per weight. Values are
/// stored offset by 128 as unsigned bytes (<c>q + 128</c>), the operand <c>vpdpbusd</c> multiplies unsigned; the VNNI
/// kernels subtract <c>128 · Σ x</c> per block, the AVX2 and portable ones turn each byte back into <c>q</c> with one
/// XOR 0x80. Every path reads this one layout. Rows past the matrix and columns past Cols are zeros (scale 0).
/// </summary>
internal static unsafe class Q8Panels
{
    /// <summary>Rows of one panel: two 256-bit vectors of int32 lanes.</summary>
    public const int Rows = 16;

    /// <summary>Bytes of the 8 steps of a block record, where its F16 scales start.</summary>
    public const int ScalesOffset = 8 * 64;

    /// <summary>Bytes of one block record: 8 steps of 64 bytes, then 16 F16 scales.</summary>
    public const int RecordBytes = ScalesOffset + Rows * 2;

    /// <summary>Panels of a matrix with <paramref name="rows"/> rows.</summary>
    public static int PanelsFor(int rows) => (rows + Rows - 1) / Rows;

    /// <summary>Bytes of one panel of <paramref name="cols"/> columns.</summary>
    public static long PanelBytes(int cols) => (long)Q8Block.BlocksFor(cols) * RecordBytes;

    /// <summary>Bytes of the packed Q8 copy of a rows × cols matrix.</summary>
    public static long BytesFor(int rows, int cols) => PanelsFor(rows) * PanelBytes(cols);

    /// <summary>Quantizes <paramref name="source"/> (F32/F16/BF16, row-major) into panels (values with the FP32 block scale,
    /// which is then stored rounded to F16) at <paramref name="destination"/>
    /// (<see cref="BytesFor"/> bytes), rows spread over the .NET thread pool (load time only), and returns the view.</summary>
    public static WeightMatrix Quantize(in WeightMatrix source, byte* destination)
    {
        if (source.Format == WeightFormat.Q8 || source.Packed) throw new ArgumentException("only row-major F32/F16/BF16 matrices are quantized", nameof(source));
        int rows = source.Rows, cols = source.Cols, blocks = Q8Block.BlocksFor(cols), panels = PanelsFor(rows);
        WeightMatrix src = source;
        Parallel.For(0, panels, () => (new float[blocks * Q8Block.Size], new sbyte[blocks * Q8Block.Size], new float[blocks]), (p, _, temp) =>
        {
            fixed (float* row = temp.Item1, scales = temp.Item3)
            fixed (sbyte* q = temp.Item2)
            {
                for (int j = 0; j < Rows; j++)
                {
                    int r = p * Rows + j;
                    if (r < rows)
                    {
                        WeightConvert.Row(src, r, row);
                        Q8Block.QuantizeRow(row, cols, q, scales);
                    }
                    else
                    {
                        new Span<sbyte>(q, blocks * Q8Block.Size).Clear();
                        new Span<float>(scales, blocks).Clear();
                    }
                    Scatter(destination + p * PanelBytes(cols), j, q, scales, blocks);
                }
            }
            return temp;
        }, _ => { });
        return new WeightMatrix(destination, WeightFormat.Q8, rows, cols, null, packed: true);
    }

    /// <summary>Writes one quantized row (panel row <paramref name="j"/>) into its panel's records.</summary>
    private static void Scatter(byte* panel, int j, sbyte* q, float* scales, int blocks)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* record = panel + (long)b * RecordBytes;
            for (int s = 0; s < 8; s++)
            {
                byte* lane = record + s * 64 + j * 4;
                sbyte* v = q + b * Q8Block.Size + s * 4;
                for (int i = 0; i < 4; i++) lane[i] = (byte)(v[i] + 128);
            }
            ((Half*)(record + ScalesOffset))[j] = (Half)scales[b];
        }
    }

    /// <summary>Dequantizes row <paramref name="row"/> (Cols floats) of a packed Q8 matrix: the embedding lookup.</summary>
    public static void DequantizeRow(in WeightMatrix matrix, int row, float* destination)
    {
        int cols = matrix.Cols, j = row % Rows;
        byte* panel = matrix.Data + (row / Rows) * PanelBytes(cols);
        for (int k = 0; k < cols; k++)
        {
            byte* record = panel + (long)(k / Q8Block.Size) * RecordBytes;
            int inBlock = k % Q8Block.Size;
            int q = record[(inBlock / 4) * 64 + j * 4 + inBlock % 4] - 128;
            destination[k] = q * (float)((Half*)(record + ScalesOffset))[j];
        }
    }
}
