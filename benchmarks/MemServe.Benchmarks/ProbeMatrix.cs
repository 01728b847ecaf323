using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>Weight matrices for the kernel probes.</summary>
internal static class ProbeMatrix
{
    /// <summary><paramref name="rows"/> × <paramref name="cols"/> weights stored as <paramref name="dtype"/>, uniform in
    /// [-0.5, 0.5) from <see cref="System.Random"/>(<paramref name="seed"/>), row by row. The caller disposes it.</summary>
    public static NativeBuffer<byte> Random(int rows, int cols, DType dtype, int seed = 1)
    {
        int rowBytes = cols * dtype.SizeInBytes();
        var w = new NativeBuffer<byte>((long)rows * rowBytes, null, MemoryCategory.Weights, "w");
        var random = new Random(seed);
        var row = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) row[c] = (float)(random.NextDouble() - 0.5);
            HalfPrecision.ConvertFromF32(row, dtype, w.Slice((long)r * rowBytes, rowBytes));
        }
        return w;
    }
}
