using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- paths [S|M] [tokens...]</c>: the kernel paths side by side on one layer's matrices
/// (q/k/v/o, gate/up/down of shape S or M), 2 threads, interleaved rounds: every path this process can run over packed
/// panels, and the row-major kernels (<c>--no-pack</c>, what an AVX2 CPU ran before its packed kernels) as the baseline.
/// One token reports the GEMV's GB/s of weights, more tokens GFLOP/s. Run it with <c>DOTNET_EnableAVX512=0</c> to get
/// the row-major baseline of an AVX2-only CPU (the row-major kernels follow the process's path).
/// </summary>
internal static unsafe class PathProbe
{
    public static void Run(string[] args)
    {
        string shape = args.Length > 0 ? args[0] : "S";
        int[] tokenCounts = args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [1, 16, 128];
        (int hidden, int kv, int ffn) = shape == "M" ? (896, 128, 4864) : (576, 192, 1536);
        (int Rows, int Cols)[] mats = [(hidden, hidden), (kv, hidden), (kv, hidden), (hidden, hidden), (ffn, hidden), (ffn, hidden), (hidden, ffn)];
        var paths = Enum.GetValues<CpuKernelPath>().Where(CpuKernels.Supports).Reverse().ToArray();
        Console.WriteLine($"paths probe: shape {shape}, process path {CpuKernels.Description}, load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (DType dtype in new[] { DType.F32, DType.BF16, DType.F16 })
        {
            int maxCols = mats.Max(m => m.Cols), maxTokens = tokenCounts.Max();
            var rowMajor = mats.Select((m, i) => ProbeMatrix.Random(m.Rows, m.Cols, dtype, i + 1)).ToArray();
            var packed = new NativeBuffer<byte>[mats.Length];
            var wr = new WeightMatrix[mats.Length];
            var wp = new WeightMatrix[mats.Length];
            for (int i = 0; i < mats.Length; i++)
            {
                wr[i] = new WeightMatrix(rowMajor[i].Pointer, dtype, mats[i].Rows, mats[i].Cols);
                packed[i] = new NativeBuffer<byte>(PanelLayout.PackedBytes(mats[i].Rows, mats[i].Cols, dtype.SizeInBytes()), null, MemoryCategory.Weights, "p");
                PanelLayout.Pack(rowMajor[i].Pointer, mats[i].Rows, mats[i].Cols, dtype.SizeInBytes(), packed[i].Pointer, 0, PanelLayout.PanelsFor(mats[i].Rows));
                wp[i] = wr[i].PackedAt(packed[i].Pointer);
            }
            using var x = new NativeBuffer<float>((long)maxTokens * maxCols, null, MemoryCategory.Scratch, "x");
            x.Span.Fill(0.25f);
            using var y = new NativeBuffer<float>((long)maxTokens * ffn, null, MemoryCategory.Scratch, "y");
            using var pool = new ComputeThreadPool(2);
            using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(2, maxCols), null, MemoryCategory.Scratch, "s");
            using var xp = new NativeBuffer<float>(PanelLayout.PackedInputFloats(maxTokens, maxCols), null, MemoryCategory.Scratch, "xp");
            var kinds = paths.Select(p => (Name: CpuKernels.NameOf(p) + " packed", M: new MatMul(pool, scratch.Pointer, maxCols, packedInput: xp.Pointer, packedTokens: maxTokens, path: p), Packed: true))
                .Append((Name: "row-major", M: new MatMul(pool, scratch.Pointer, maxCols), Packed: false)).ToArray();
            long bytes = mats.Sum(m => (long)m.Rows * m.Cols * dtype.SizeInBytes());
            double flops = mats.Sum(m => 2.0 * m.Rows * m.Cols);
            foreach (int tokens in tokenCounts)
            {
                const int Rounds = 9;
                var times = kinds.Select(_ => new double[Rounds]).ToArray();
                for (int r = 0; r < Rounds; r++)
                {
                    for (int k = 0; k < kinds.Length; k++) times[k][r] = Time(kinds[k].M, kinds[k].Packed ? wp : wr, tokens);
                }
                string line = $"{shape} {dtype,-4} {tokens,4} tok:";
                double baseline = Median(times[^1]);
                for (int k = 0; k < kinds.Length; k++)
                {
                    double t = Median(times[k]);
                    string figure = tokens == 1 ? $"{bytes / t / 1e9,6:F1} GB/s" : $"{flops * tokens / t / 1e9,6:F1} GFLOP/s";
                    line += $" | {kinds[k].Name} {figure} ({baseline / t:F2}x)";
                }
                Console.WriteLine(line + $" | load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            }
            foreach (var b in rowMajor) b.Dispose();
            foreach (var b in packed) b.Dispose();

            double Time(MatMul m, WeightMatrix[] w, int tokens)
            {
                int reps = tokens == 1 ? 20 : Math.Max(1, 64 / tokens);
                long start = Stopwatch.GetTimestamp();
                for (int rep = 0; rep < reps; rep++)
                {
                    for (int i = 0; i < w.Length; i++) m.Run(x.Pointer, w[i].Cols, tokens, w[i], null, y.Pointer, w[i].Rows);
                }
                return Stopwatch.GetElapsedTime(start).TotalSeconds / reps;
            }
        }
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
