using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- ab</c>: interleaved A/B of the prefill micro-kernel tile (4 tokens × 2 rows
/// unblocked vs 4 × 4 in L2 row blocks) on the FFN matrix of shapes S and L, 64 tokens, 2 threads. Rounds alternate A and B so machine
/// load hits both alike; prints median and best GFLOP/s of each. For a loaded, shared machine where
/// BenchmarkDotNet's long runs are impractical.
/// </summary>
internal static unsafe class KernelAb
{
    public static void Run(int rounds = 15)
    {
        foreach (string shape in new[] { "S", "L" })
        {
            foreach (DType dtype in new[] { DType.F32, DType.BF16, DType.F16 })
            {
                (int rows, int cols) = shape == "S" ? (1536, 576) : (5632, 2048);
                const int Tokens = 64;
                using NativeBuffer<byte> w = ProbeMatrix.Random(rows, cols, dtype);
                using var x = new NativeBuffer<float>((long)Tokens * cols, null, MemoryCategory.Scratch, "x");
                x.Span.Fill(0.5f);
                using var y = new NativeBuffer<float>((long)Tokens * rows, null, MemoryCategory.Scratch, "y");
                using var pool = new ComputeThreadPool(2);
                using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(2, cols), null, MemoryCategory.Scratch, "s");
                var matMul = new MatMul(pool, scratch.Pointer, cols);
                var wm = new WeightMatrix(w.Pointer, dtype, rows, cols);
                var a = new double[rounds];
                var b = new double[rounds];
                for (int i = 0; i < rounds; i++)
                {
                    a[i] = Time(false);
                    b[i] = Time(true);
                }
                double flops = 2.0 * rows * cols * Tokens / 1e9;
                Array.Sort(a);
                Array.Sort(b);
                Console.WriteLine($"{shape} {dtype,-4} 4x2: median {flops / a[rounds / 2],6:F1} best {flops / a[0],6:F1} GFLOP/s | " +
                    $"4x4: median {flops / b[rounds / 2],6:F1} best {flops / b[0],6:F1} GFLOP/s");

                double Time(bool wide)
                {
                    MatMulKernels.WideTile = wide;
                    long start = Stopwatch.GetTimestamp();
                    for (int k = 0; k < 3; k++) matMul.Run(x.Pointer, cols, Tokens, wm, null, y.Pointer, rows);
                    return Stopwatch.GetElapsedTime(start).TotalSeconds / 3;
                }
            }
        }
        MatMulKernels.WideTile = true;
    }
}
