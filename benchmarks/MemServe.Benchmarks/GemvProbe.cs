using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- gemv</c>: decode GEMV (1 token) on the M-shape FFN matrix (9728 × 896 gate+up
/// rows) in every format, 2 threads, rounds interleaved across formats; prints the median and best weight-read
/// GB/s of each (the number to hold against the machine's read bandwidth).
/// </summary>
internal static unsafe class GemvProbe
{
    public static void Run(int rounds = 21)
    {
        const int Rows = 9728, Cols = 896;
        string[] formats = ["F32", "F16", "BF16", "Q8"];
        var times = new double[formats.Length][];
        var bytes = new double[formats.Length];
        using var pool = new ComputeThreadPool(2);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(2, Cols), null, MemoryCategory.Scratch, "s");
        using var xq = new NativeBuffer<byte>(MatMul.Q8ScratchBytes(1, Cols), null, MemoryCategory.Scratch, "xq");
        var matMul = new MatMul(pool, scratch.Pointer, Cols, xq.Pointer, 1);
        using var x = new NativeBuffer<float>(Cols, null, MemoryCategory.Scratch, "x");
        x.Span.Fill(0.5f);
        using var y = new NativeBuffer<float>(Rows, null, MemoryCategory.Scratch, "y");
        var buffers = new List<IDisposable>();
        var matrices = new WeightMatrix[formats.Length];
        var random = new Random(1);
        var row = new float[Cols];
        for (int f = 0; f < formats.Length; f++)
        {
            DType dtype = formats[f] == "Q8" ? DType.BF16 : Enum.Parse<DType>(formats[f]);
            var w = new NativeBuffer<byte>((long)Rows * Cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
            buffers.Add(w);
            for (int r = 0; r < Rows; r++)
            {
                for (int c = 0; c < Cols; c++) row[c] = (float)(random.NextDouble() - 0.5);
                HalfPrecision.ConvertFromF32(row, dtype, w.Slice((long)r * Cols * dtype.SizeInBytes(), Cols * dtype.SizeInBytes()));
            }
            matrices[f] = new WeightMatrix(w.Pointer, dtype, Rows, Cols);
            bytes[f] = (double)Rows * Cols * dtype.SizeInBytes();
            if (formats[f] == "Q8")
            {
                var q = new NativeBuffer<byte>(Q8Quantizer.BytesFor(Rows, Cols), null, MemoryCategory.Weights, "q8");
                buffers.Add(q);
                matrices[f] = Q8Quantizer.Quantize(matrices[f], q.Pointer);
                bytes[f] = Q8Quantizer.BytesFor(Rows, Cols);
            }
            times[f] = new double[rounds];
        }
        for (int i = 0; i < rounds; i++)
        {
            for (int f = 0; f < formats.Length; f++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int k = 0; k < 10; k++) matMul.Run(x.Pointer, Cols, 1, matrices[f], null, y.Pointer, Rows);
                times[f][i] = Stopwatch.GetElapsedTime(start).TotalSeconds / 10;
            }
        }
        for (int f = 0; f < formats.Length; f++)
        {
            Array.Sort(times[f]);
            Console.WriteLine($"{formats[f],-4} GEMV {Rows}x{Cols}: median {bytes[f] / times[f][rounds / 2] / 1e9,6:F1} GB/s, best {bytes[f] / times[f][0] / 1e9,6:F1} GB/s");
        }
        foreach (IDisposable b in buffers) b.Dispose();
    }
}
