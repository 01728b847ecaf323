namespace MemServe.Compute;

/// <summary>
/// Quantizes F32/F16/BF16 weight matrices to <see cref="WeightFormat.Q8"/> at load. The caller provides the
/// destination (one allocation for all matrices, see <see cref="BytesFor"/>); rows are spread over the
/// .NET thread pool (load time only). Reads each source row once.
/// </summary>
internal static unsafe class Q8Quantizer
{
    /// <summary>Bytes a Q8 copy of a rows × cols matrix needs: int8 data then FP32 scales, each 64-byte aligned.</summary>
    public static long BytesFor(int rows, int cols)
    {
        long blocks = Q8Block.BlocksFor(cols);
        return Align(rows * blocks * Q8Block.Size) + Align(rows * blocks * sizeof(float));
    }

    /// <summary>Quantizes <paramref name="source"/> into <paramref name="destination"/> (<see cref="BytesFor"/> bytes)
    /// and returns the Q8 view of it.</summary>
    public static WeightMatrix Quantize(in WeightMatrix source, byte* destination)
    {
        if (source.Format == WeightFormat.Q8) throw new ArgumentException("matrix is already Q8", nameof(source));
        int rows = source.Rows, cols = source.Cols, blocks = Q8Block.BlocksFor(cols);
        long rowBytes = (long)blocks * Q8Block.Size;
        float* scales = (float*)(destination + Align(rows * rowBytes));
        var result = new WeightMatrix(destination, WeightFormat.Q8, rows, cols, scales);
        const int ChunkRows = 64;
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        WeightMatrix src = source;
        Parallel.For(0, chunks, () => new float[cols], (chunk, _, temp) =>
        {
            fixed (float* row = temp)
            {
                int end = Math.Min(rows, (chunk + 1) * ChunkRows);
                for (int r = chunk * ChunkRows; r < end; r++)
                {
                    WeightConvert.Row(src, r, row);
                    Q8Block.QuantizeRow(row, cols, (sbyte*)(destination + r * rowBytes), scales + (long)r * blocks);
                }
            }
            return temp;
        }, _ => { });
        return result;
    }

    private static long Align(long bytes) => (bytes + 63) & ~63L;
}
