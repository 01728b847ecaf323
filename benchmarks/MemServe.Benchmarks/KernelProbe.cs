using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- kern ROWS COLS TOKENS [rounds] [dtypes]</c>: one thread, L2-resident weights,
/// <see cref="MatMulKernels"/> with <see cref="DecodeSwitch.B"/> off (A) and on (B) in interleaved rounds, timed
/// in thread CPU time (robust to other processes); prints GFLOP/s median / best of each.
/// </summary>
internal static unsafe class KernelProbe
{
    public static void Run(string[] args)
    {
        int rows = int.Parse(args[0]), cols = int.Parse(args[1]), tokens = int.Parse(args[2]);
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 15;
        string[] dtypes = args.Length > 4 ? args[4].Split(',') : ["F32", "BF16", "F16"];
        foreach (string name in dtypes)
        {
            bool q8 = name == "Q8";
            DType dtype = q8 ? DType.BF16 : Enum.Parse<DType>(name);
            using NativeBuffer<byte> w = ProbeMatrix.Random(rows, cols, dtype);
            using var x = new NativeBuffer<float>((long)tokens * cols, null, MemoryCategory.Scratch, "x");
            x.Span.Fill(0.5f);
            using var y = new NativeBuffer<float>((long)tokens * rows, null, MemoryCategory.Scratch, "y");
            using var q = new NativeBuffer<byte>(q8 ? Q8Quantizer.BytesFor(rows, cols) : 1, null, MemoryCategory.Weights, "q8");
            WeightMatrix wq = q8 ? Q8Quantizer.Quantize(new WeightMatrix(w.Pointer, dtype, rows, cols), q.Pointer) : default;
            int blocks = Q8Block.BlocksFor(cols);
            using var xq = new NativeBuffer<byte>(MatMul.Q8ScratchBytes(tokens, cols), null, MemoryCategory.Scratch, "xq");
            float* xs = (float*)(xq.Pointer + (long)tokens * blocks * Q8Block.Size);
            for (int t = 0; t < tokens; t++) Q8Block.QuantizeRow(x.Pointer + (long)t * cols, cols, (sbyte*)xq.Pointer + (long)t * blocks * Q8Block.Size, xs + (long)t * blocks);
            var a = new double[rounds];
            var b = new double[rounds];
            int reps = Math.Max(1, (int)(2e8 / (2.0 * rows * cols * tokens)));
            for (int i = -1; i < rounds; i++)
            {
                double ta = Time(false), tb = Time(true);
                if (i >= 0) { a[i] = ta; b[i] = tb; }
            }
            DecodeSwitch.B = false;
            Array.Sort(a);
            Array.Sort(b);
            double flops = 2.0 * rows * cols * tokens / 1e9;
            Console.WriteLine($"{name,-4} {rows}x{cols} {tokens,3} tok, 1 thread CPU time: A median {flops / a[rounds / 2],6:F1} best {flops / a[0],6:F1} | B median {flops / b[rounds / 2],6:F1} best {flops / b[0],6:F1} GFLOP/s" +
                $" ({(q8 ? 1.125 : dtype.SizeInBytes()) * rows * cols / a[rounds / 2] / 1e9:F0} / {(q8 ? 1.125 : dtype.SizeInBytes()) * rows * cols / b[rounds / 2] / 1e9:F0} GB/s)");

            double Time(bool variant)
            {
                DecodeSwitch.B = variant;
                double start = ThreadCpuTime.Seconds();
                for (int k = 0; k < reps; k++)
                {
                    if (q8)
                    {
                        Q8Kernels.Rows(wq, (sbyte*)xq.Pointer, xs, tokens, y.Pointer, rows, 0, rows);
                        continue;
                    }
                    switch (dtype)
                    {
                        case DType.F32: MatMulKernels.Rows<F32Loader>(w.Pointer, cols * 4, cols, x.Pointer, cols, tokens, y.Pointer, rows, 0, rows); break;
                        case DType.BF16: MatMulKernels.Rows<Bf16Loader>(w.Pointer, cols * 2, cols, x.Pointer, cols, tokens, y.Pointer, rows, 0, rows); break;
                        default: MatMulKernels.Rows<F16Loader>(w.Pointer, cols * 2, cols, x.Pointer, cols, tokens, y.Pointer, rows, 0, rows); break;
                    }
                }
                return (ThreadCpuTime.Seconds() - start) / reps;
            }
        }
    }
}
