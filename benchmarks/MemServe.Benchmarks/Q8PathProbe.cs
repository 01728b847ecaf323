using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- q8 [S|M] [rounds] [prefill tokens]</c>: interleaved A/B of the int8 kernel paths on one
/// shape's layer matrices (qkv, o, gate+up, down), 2 threads split by whole panels (rows for row-major), as
/// <see cref="MatMulTargetRunner"/> does. Decode: one token through every layer (weights far larger than L3), weight
/// GB/s and matmul-only tok/s. Prefill: the prompt's tokens through one layer's matrices, GOP/s and matmul-only tok/s
/// for all layers. Variants: packed Q8 on the AVX2 <c>vpmaddubsw</c> kernels, on VNNI (where .NET has AvxVnni), on the
/// portable kernels, row-major Q8 on AVX2, the old scalar fallback (<see cref="Q8Kernels.DotScalar"/> per row; prefill
/// on 16 tokens, scaled), and packed BF16 and packed Q8 (input quantization included) through <see cref="MatMul"/> on
/// the process's path. Inputs are quantized once,
/// outside the timing. Prints the load average before and after.
/// </summary>
internal static unsafe class Q8PathProbe
{
    private enum Variant { PackedAvx2, PackedVnni, PackedPortable, RowMajorAvx2, Scalar, Bf16Packed, Q8MatMul }

    private struct Job
    {
        public Variant Variant;
        public byte* Panels;
        public WeightMatrix RowMajor;
        public int Rows, Cols, Tokens, Ys;
        public sbyte* Xq;
        public float* Xs;
        public int* Xsum;
        public float* Y;
    }

    private sealed class Layer
    {
        public required WeightMatrix[] Packed, RowMajor, Bf16;
        public required int[] Rows, Cols;
    }

    public static void Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "kern")
        {
            Kernel(args[1..]);
            return;
        }
        ModelConfig c = ModelShapes.Get(args.Length > 0 ? args[0] : "S");
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 7;
        int prefill = args.Length > 2 ? int.Parse(args[2]) : 512;
        int h = c.HiddenSize, f = c.IntermediateSize, maxCols = Math.Max(Math.Max(h, f), c.QueryDim);
        const int Threads = 2;
        Console.WriteLine($"shape {args.FirstOrDefault() ?? "S"} (hidden {h}, ffn {f}, {c.NumLayers} layers), {Threads} threads, path {CpuKernels.Description}; loadavg {LoadAverage()}");
        using var pool = new ComputeThreadPool(Threads);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(Threads, maxCols), null, MemoryCategory.Scratch, "s");
        int prefillTokens = args.Length > 2 ? int.Parse(args[2]) : 512;
        using var packedInput = new NativeBuffer<float>(PanelLayout.PackedInputFloats(prefillTokens, maxCols), null, MemoryCategory.Scratch, "packed x");
        using var q8Scratch = new NativeBuffer<byte>(MatMul.Q8ScratchBytes(prefillTokens, maxCols), null, MemoryCategory.Scratch, "q8 x");
        var matMul = new MatMul(pool, scratch.Pointer, maxCols, q8Scratch.Pointer, prefillTokens, packedInput: packedInput.Pointer, packedTokens: prefillTokens);
        var buffers = new List<IDisposable>();
        var random = new Random(1);
        int[] rows = [c.QueryDim + 2 * c.KvDim, h, 2 * f, h], cols = [h, c.QueryDim, h, f];
        var layers = new Layer[c.NumLayers];
        double q8Bytes = 0, bf16Bytes = 0;
        for (int l = 0; l < c.NumLayers; l++)
        {
            var layer = new Layer { Packed = new WeightMatrix[4], RowMajor = new WeightMatrix[4], Bf16 = new WeightMatrix[4], Rows = rows, Cols = cols };
            for (int m = 0; m < 4; m++)
            {
                NativeBuffer<byte> w = ProbeMatrix.Random(rows[m], cols[m], DType.BF16, seed: l * 4 + m);
                var source = new WeightMatrix(w.Pointer, DType.BF16, rows[m], cols[m]);
                var p = new NativeBuffer<byte>(Q8Panels.BytesFor(rows[m], cols[m]), null, MemoryCategory.Weights, "panels");
                var q = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows[m], cols[m]), null, MemoryCategory.Weights, "q8");
                var b = new NativeBuffer<byte>(PanelLayout.PackedBytes(rows[m], cols[m], 2), null, MemoryCategory.Weights, "bf16");
                layer.Packed[m] = Q8Panels.Quantize(source, p.Pointer);
                layer.RowMajor[m] = Q8Quantizer.Quantize(source, q.Pointer);
                PanelLayout.Pack(w.Pointer, rows[m], cols[m], 2, b.Pointer, 0, PanelLayout.PanelsFor(rows[m]));
                layer.Bf16[m] = new WeightMatrix(b.Pointer, source.Format, rows[m], cols[m], null, packed: true);
                w.Dispose();
                buffers.AddRange([p, q, b]);
                q8Bytes += Q8Panels.BytesFor(rows[m], cols[m]);
                bf16Bytes += 2.0 * rows[m] * cols[m];
            }
            layers[l] = layer;
        }
        int blocks = Q8Block.BlocksFor(maxCols);
        using var x = new NativeBuffer<float>((long)prefill * maxCols, null, MemoryCategory.Scratch, "x");
        for (long i = 0; i < x.Length; i++) x.Span[(int)i] = (float)(random.NextDouble() - 0.5);
        using var xq = new NativeBuffer<sbyte>((long)prefill * blocks * Q8Block.Size, null, MemoryCategory.Scratch, "xq");
        using var xs = new NativeBuffer<float>((long)prefill * blocks, null, MemoryCategory.Scratch, "xs");
        using var xsum = new NativeBuffer<int>((long)prefill * blocks, null, MemoryCategory.Scratch, "xsum");
        using var y = new NativeBuffer<float>((long)prefill * 2 * f, null, MemoryCategory.Scratch, "y");

        var variants = new List<Variant> { Variant.PackedAvx2, Variant.PackedPortable, Variant.RowMajorAvx2, Variant.Scalar, Variant.Bf16Packed, Variant.Q8MatMul };
        if (AvxVnni.IsSupported) variants.Insert(1, Variant.PackedVnni);
        foreach (int tokens in new[] { 1, prefill })
        {
            // Each matrix's inputs quantized once: (tokens, cols) of the layer's input width.
            var times = variants.ToDictionary(v => v, _ => new List<double>());
            for (int i = -1; i < rounds; i++)
            {
                foreach (Variant v in variants)
                {
                    int t = v == Variant.Scalar && tokens > 1 ? 16 : tokens;
                    int layerCount = tokens == 1 ? c.NumLayers : 1;
                    long start = Stopwatch.GetTimestamp();
                    for (int l = 0; l < layerCount; l++)
                    {
                        Layer layer = layers[l];
                        for (int m = 0; m < 4; m++)
                        {
                            if (v is Variant.Bf16Packed or Variant.Q8MatMul)
                            {
                                matMul.Run(x.Pointer, layer.Cols[m], t, v == Variant.Q8MatMul ? layer.Packed[m] : layer.Bf16[m], null, y.Pointer, layer.Rows[m]);
                                continue;
                            }
                            Job job = new()
                            {
                                Variant = v, Panels = layer.Packed[m].Data, RowMajor = layer.RowMajor[m], Rows = layer.Rows[m], Cols = layer.Cols[m],
                                Tokens = t, Ys = layer.Rows[m], Xq = xq.Pointer, Xs = xs.Pointer, Xsum = xsum.Pointer, Y = y.Pointer,
                            };
                            if (l == 0 && i == -1) Quantize(x.Pointer, layer.Cols[m], t, xq.Pointer, xs.Pointer, xsum.Pointer);
                            bool packed = v is Variant.PackedAvx2 or Variant.PackedVnni or Variant.PackedPortable;
                            int items = packed ? Q8Panels.PanelsFor(job.Rows) : job.Rows;
                            pool.Run(&Body, &job, items, Math.Max(1, (items + 2 * Threads - 1) / (2 * Threads)));
                        }
                    }
                    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds * (tokens > 1 ? (double)tokens / t : 1);
                    if (i >= 0) times[v].Add(seconds);
                }
            }
            double macs = 0;
            for (int m = 0; m < 4; m++) macs += (double)rows[m] * cols[m];
            foreach (Variant v in variants)
            {
                List<double> s = times[v];
                s.Sort();
                double median = s[s.Count / 2], best = s[0];
                if (tokens == 1)
                {
                    double bytes = v == Variant.Bf16Packed ? bf16Bytes : q8Bytes;
                    Console.WriteLine($"decode  {v,-14} {bytes / median / 1e9,6:F1} GB/s median, {bytes / best / 1e9,6:F1} best; {1 / median,7:F1} tok/s (matmuls only)");
                }
                else
                {
                    double ops = 2 * macs * tokens;
                    Console.WriteLine($"prefill {v,-14} {ops / median / 1e9,6:F1} GOP/s median, {ops / best / 1e9,6:F1} best; {tokens / (median * c.NumLayers),7:F1} tok/s ({tokens} tokens, matmuls only)");
                }
            }
        }
        Console.WriteLine($"loadavg after: {LoadAverage()}");
        foreach (IDisposable d in buffers) d.Dispose();
    }

    /// <summary><c>q8 kern ROWS COLS TOKENS [rounds] [avx2|portable]</c>: one thread, L2-resident packed Q8 weights, one
    /// path's panel kernels (AVX2 without VNNI by default) with <see cref="DecodeSwitch.B"/> off (A) and on (B) in interleaved rounds, timed in thread CPU time.</summary>
    private static void Kernel(string[] args)
    {
        int rows = int.Parse(args[0]), cols = int.Parse(args[1]), tokens = int.Parse(args[2]);
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 15;
        CpuKernelPath path = args.Length > 4 && CpuKernels.TryParse(args[4], out CpuKernelPath asked) ? asked : CpuKernelPath.Avx2;
        using NativeBuffer<byte> w = ProbeMatrix.Random(rows, cols, DType.BF16);
        using var p = new NativeBuffer<byte>(Q8Panels.BytesFor(rows, cols), null, MemoryCategory.Weights, "panels");
        WeightMatrix packed = Q8Panels.Quantize(new WeightMatrix(w.Pointer, DType.BF16, rows, cols), p.Pointer);
        int blocks = Q8Block.BlocksFor(cols);
        using var x = new NativeBuffer<float>((long)tokens * cols, null, MemoryCategory.Scratch, "x");
        var random = new Random(2);
        for (int i = 0; i < x.Length; i++) x.Span[i] = (float)(random.NextDouble() - 0.5);
        using var xq = new NativeBuffer<sbyte>((long)tokens * blocks * Q8Block.Size, null, MemoryCategory.Scratch, "xq");
        using var xs = new NativeBuffer<float>((long)tokens * blocks, null, MemoryCategory.Scratch, "xs");
        using var xsum = new NativeBuffer<int>((long)tokens * blocks, null, MemoryCategory.Scratch, "xsum");
        using var y = new NativeBuffer<float>((long)tokens * rows, null, MemoryCategory.Scratch, "y");
        Quantize(x.Pointer, cols, tokens, xq.Pointer, xs.Pointer, xsum.Pointer);
        int reps = Math.Max(1, (int)(4e8 / (2.0 * rows * cols * tokens)));
        var a = new double[rounds];
        var b = new double[rounds];
        for (int i = -1; i < rounds; i++)
        {
            double ta = Time(false), tb = Time(true);
            if (i >= 0) { a[i] = ta; b[i] = tb; }
        }
        DecodeSwitch.B = false;
        Array.Sort(a);
        Array.Sort(b);
        double ops = 2.0 * rows * cols * tokens / 1e9;
        Console.WriteLine($"Q8 panels {CpuKernels.NameOf(path)} {rows}x{cols} {tokens} tok, 1 thread CPU time: A median {ops / a[rounds / 2],6:F1} best {ops / a[0],6:F1} | B median {ops / b[rounds / 2],6:F1} best {ops / b[0],6:F1} GOP/s; loadavg {LoadAverage()}");

        double Time(bool variant)
        {
            DecodeSwitch.B = variant;
            double start = ThreadCpuTime.Seconds();
            for (int k = 0; k < reps; k++) Q8PanelKernels.Rows(path, false, packed.Data, cols, rows, xq.Pointer, xs.Pointer, xsum.Pointer, tokens, y.Pointer, rows);
            return (ThreadCpuTime.Seconds() - start) / reps;
        }
    }

    /// <summary>Quantizes inputs once (the same values serve every matrix of the same width).</summary>
    private static void Quantize(float* x, int cols, int tokens, sbyte* xq, float* xs, int* xsum)
    {
        int blocks = Q8Block.BlocksFor(cols);
        for (int t = 0; t < tokens; t++)
        {
            Q8Block.QuantizeRow(x + (long)t * cols, cols, xq + (long)t * blocks * Q8Block.Size, xs + (long)t * blocks);
            Q8Block.BlockSums(xq + (long)t * blocks * Q8Block.Size, blocks, xsum + (long)t * blocks);
        }
    }

    private static void Body(void* context, int begin, int end, int thread)
    {
        Job* j = (Job*)context;
        switch (j->Variant)
        {
            case Variant.PackedAvx2:
            case Variant.PackedVnni:
            case Variant.PackedPortable:
            {
                CpuKernelPath path = j->Variant == Variant.PackedPortable ? CpuKernelPath.Portable : CpuKernelPath.Avx2;
                int first = begin * Q8Panels.Rows, count = Math.Min(j->Rows, end * Q8Panels.Rows) - first;
                Q8PanelKernels.Rows(path, j->Variant == Variant.PackedVnni, j->Panels + begin * Q8Panels.PanelBytes(j->Cols), j->Cols, count,
                    j->Xq, j->Xs, j->Xsum, j->Tokens, j->Y + first, j->Ys);
                break;
            }
            case Variant.RowMajorAvx2:
                Q8Kernels.Rows(CpuKernelPath.Avx2, false, j->RowMajor, j->Xq, j->Xs, j->Tokens, j->Y, j->Ys, begin, end);
                break;
            default:
            {
                int blocks = j->RowMajor.BlocksPerRow;
                for (int t = 0; t < j->Tokens; t++)
                {
                    for (int r = begin; r < end; r++)
                    {
                        j->Y[(long)t * j->Ys + r] = Q8Kernels.DotScalar((sbyte*)j->RowMajor.Row(r), j->RowMajor.Scales + (long)r * blocks,
                            j->Xq + (long)t * blocks * Q8Block.Size, j->Xs + (long)t * blocks, blocks);
                    }
                }
                break;
            }
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
