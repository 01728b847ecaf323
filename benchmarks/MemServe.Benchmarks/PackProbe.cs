using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- pack ROWS COLS TOKENS [rounds] [dtypes] [copies] [threads] [ab]</c>: one matmul through
/// <see cref="MatMul"/> with row-major weights (A) and the same weights packed into panels (B), rounds interleaved
/// (with <c>ab</c>: packed weights in both, <see cref="DecodeSwitch.B"/> off for A and on for B),
/// wall time; <c>copies</c> matrices are cycled so that more than the L3 is streamed (decode at the DRAM wall).
/// Prints GFLOP/s, weight GB/s and B/A, and the largest difference between the two outputs.
/// </summary>
internal static unsafe class PackProbe
{
    public static void Run(string[] args)
    {
        int rows = int.Parse(args[0]), cols = int.Parse(args[1]), tokens = int.Parse(args[2]);
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 7;
        string[] dtypes = args.Length > 4 ? args[4].Split(',') : ["F32", "BF16", "F16"];
        int copies = args.Length > 5 ? int.Parse(args[5]) : 1;
        int threads = args.Length > 6 ? int.Parse(args[6]) : 2;
        bool ab = args.Length > 7 && args[7] == "ab"; // A and B both packed, DecodeSwitch.B off / on
        using var pool = new ComputeThreadPool(threads);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(threads, cols), null, MemoryCategory.Scratch, "s");
        using var xp = new NativeBuffer<float>(PanelLayout.PackedInputFloats(tokens, cols), null, MemoryCategory.Scratch, "xp");
        var matMul = new MatMul(pool, scratch.Pointer, cols, packedInput: xp.Pointer, packedTokens: tokens);
        using var x = new NativeBuffer<float>((long)tokens * cols, null, MemoryCategory.Scratch, "x");
        var random = new Random(3);
        for (long i = 0; i < x.Length; i++) x.Pointer[i] = (float)(random.NextDouble() - 0.5);
        using var ya = new NativeBuffer<float>((long)tokens * rows, null, MemoryCategory.Scratch, "ya");
        using var yb = new NativeBuffer<float>((long)tokens * rows, null, MemoryCategory.Scratch, "yb");
        foreach (string name in dtypes)
        {
            DType dtype = Enum.Parse<DType>(name);
            var buffers = new List<NativeBuffer<byte>>();
            var a = new WeightMatrix[copies];
            var b = new WeightMatrix[copies];
            for (int c = 0; c < copies; c++)
            {
                NativeBuffer<byte> w = ProbeMatrix.Random(rows, cols, dtype, c + 1);
                var packed = new NativeBuffer<byte>(PanelLayout.PackedBytes(rows, cols, dtype.SizeInBytes()), null, MemoryCategory.Weights, "packed");
                PanelLayout.Pack(w.Pointer, rows, cols, dtype.SizeInBytes(), packed.Pointer, 0, PanelLayout.PanelsFor(rows));
                buffers.Add(w);
                buffers.Add(packed);
                a[c] = new WeightMatrix(w.Pointer, dtype, rows, cols);
                b[c] = new WeightMatrix(packed.Pointer, a[c].Format, rows, cols, null, packed: true);
                if (ab) a[c] = b[c];
            }
            matMul.Run(x.Pointer, cols, tokens, a[0], null, ya.Pointer, rows);
            DecodeSwitch.B = ab;
            matMul.Run(x.Pointer, cols, tokens, b[0], null, yb.Pointer, rows);
            DecodeSwitch.B = false;
            double maxDiff = 0;
            for (long i = 0; i < (long)tokens * rows; i++) maxDiff = Math.Max(maxDiff, Math.Abs(ya.Pointer[i] - yb.Pointer[i]));
            var ta = new double[rounds];
            var tb = new double[rounds];
            int reps = Math.Max(copies, (int)(1e9 / (2.0 * rows * cols * tokens)));
            for (int i = -1; i < rounds; i++)
            {
                double sa = Time(a, ya.Pointer), sb = Time(b, yb.Pointer);
                if (i >= 0) { ta[i] = sa; tb[i] = sb; }
            }
            DecodeSwitch.B = false;
            Array.Sort(ta);
            Array.Sort(tb);
            double flops = 2.0 * rows * cols * tokens / 1e9, bytes = (double)rows * cols * dtype.SizeInBytes() / 1e9;
            double ma = ta[rounds / 2], mb = tb[rounds / 2];
            Console.WriteLine($"{name,-4} {rows}x{cols} {tokens,3} tok x{copies} {threads}T: A {flops / ma,6:F1} GF/s {bytes / ma,5:F1} GB/s | " +
                $"B {flops / mb,6:F1} GF/s {bytes / mb,5:F1} GB/s | B/A {ma / mb:F2} | max diff {maxDiff:G3}");
            foreach (NativeBuffer<byte> buffer in buffers) buffer.Dispose();

            double Time(WeightMatrix[] m, float* y)
            {
                DecodeSwitch.B = ab && m == b;
                long start = Stopwatch.GetTimestamp();
                for (int k = 0; k < reps; k++) matMul.Run(x.Pointer, cols, tokens, m[k % copies], null, y, rows);
                return Stopwatch.GetElapsedTime(start).TotalSeconds / reps;
            }
        }
    }
}
