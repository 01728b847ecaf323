using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- layer-gemv [S|M|L] [rounds]</c>: the decode matmuls of every layer of a shape
/// (q/k/v fused, o, gate/up fused, down; no attention or element-wise work) for 1 token, on weights far larger
/// than L3 (every layer its own matrices, as in a real decode step), 2 threads. Rounds alternate
/// <see cref="DecodeSwitch.B"/> off and on per format; prints weight-read GB/s (median / best) of A and B and the
/// median of the per-round B/A ratios. Matrices start <c>WOFFSET</c> bytes (environment, default 16, like
/// <see cref="NativeBuffer{T}"/>) past a 64-byte boundary; <c>PACKED=1</c> packs F32/F16/BF16 matrices into panels
/// (<see cref="PanelLayout"/>) and Q8 into <see cref="Q8Panels"/>, as the runner does by default.
/// </summary>
internal static unsafe class LayerGemvProbe
{
    private static readonly int Offset = int.Parse(Environment.GetEnvironmentVariable("WOFFSET") ?? "16");
    private static readonly bool Packed = Environment.GetEnvironmentVariable("PACKED") == "1";

    public static void Run(string[] args)
    {
        ModelConfig c = ModelShapes.Get(args.Length > 0 ? args[0] : "S");
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 9;
        int tokens = args.Length > 2 ? int.Parse(args[2]) : 1;
        string[] formats = args.Length > 3 ? args[3].Split(',') : ["F32", "BF16", "Q8"];
        int h = c.HiddenSize, f = c.IntermediateSize, maxCols = Math.Max(h, f);
        int threads = args.Length > 4 ? int.Parse(args[4]) : 2;
        using var pool = new ComputeThreadPool(threads);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(threads, maxCols), null, MemoryCategory.Scratch, "s");
        using var xq = new NativeBuffer<byte>(MatMul.Q8ScratchBytes(tokens, maxCols), null, MemoryCategory.Scratch, "xq");
        var matMul = new MatMul(pool, scratch.Pointer, maxCols, xq.Pointer, tokens);
        using var x = new NativeBuffer<float>((long)tokens * maxCols, null, MemoryCategory.Scratch, "x");
        x.Span.Fill(0.01f);
        using var y1 = new NativeBuffer<float>((long)tokens * maxCols, null, MemoryCategory.Scratch, "y1");
        using var y2 = new NativeBuffer<float>((long)tokens * maxCols, null, MemoryCategory.Scratch, "y2");
        using var y3 = new NativeBuffer<float>((long)tokens * maxCols, null, MemoryCategory.Scratch, "y3");
        foreach (string format in formats)
        {
            bool q8 = format == "Q8";
            DType dtype = q8 ? DType.BF16 : Enum.Parse<DType>(format);
            var buffers = new List<IDisposable>();
            var layers = new WeightMatrix[c.NumLayers][];
            double bytes = 0;
            var random = new Random(1);
            WeightMatrix Make(int rows, int cols)
            {
                var wb = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes() + 128, null, MemoryCategory.Weights, "w");
                buffers.Add(wb);
                byte* wp = (byte*)(((nint)wb.Pointer + 63) & ~(nint)63) + Offset;
                var row = new float[cols];
                for (int r = 0; r < rows; r++)
                {
                    for (int k = 0; k < cols; k++) row[k] = (float)(random.NextDouble() - 0.5);
                    HalfPrecision.ConvertFromF32(row, dtype, new Span<byte>(wp + (long)r * cols * dtype.SizeInBytes(), cols * dtype.SizeInBytes()));
                }
                var m = new WeightMatrix(wp, dtype, rows, cols);
                if (q8 && Packed)
                {
                    var q = new NativeBuffer<byte>(Q8Panels.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8 panels");
                    buffers.Add(q);
                    m = Q8Panels.Quantize(m, q.Pointer);
                    bytes += Q8Panels.BytesFor(rows, cols);
                }
                else if (q8)
                {
                    var q = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8");
                    buffers.Add(q);
                    m = Q8Quantizer.Quantize(m, q.Pointer);
                    bytes += Q8Quantizer.BytesFor(rows, cols);
                }
                else if (Packed)
                {
                    var packed = new NativeBuffer<byte>(PanelLayout.PackedBytes(rows, cols, dtype.SizeInBytes()), null, MemoryCategory.Weights, "packed");
                    buffers.Add(packed);
                    PanelLayout.Pack(wp, rows, cols, dtype.SizeInBytes(), packed.Pointer, 0, PanelLayout.PanelsFor(rows));
                    m = new WeightMatrix(packed.Pointer, m.Format, rows, cols, null, packed: true);
                    bytes += (double)rows * cols * dtype.SizeInBytes();
                }
                else
                {
                    bytes += (double)rows * cols * dtype.SizeInBytes();
                }
                return m;
            }
            for (int l = 0; l < c.NumLayers; l++)
            {
                layers[l] = [Make(c.QueryDim, h), Make(c.KvDim, h), Make(c.KvDim, h), Make(h, c.QueryDim), Make(f, h), Make(f, h), Make(h, f)];
            }
            var a = new List<double>();
            var b = new List<double>();
            for (int i = -1; i < rounds; i++)
            {
                foreach (bool variant in new[] { false, true })
                {
                    DecodeSwitch.B = variant;
                    long start = Stopwatch.GetTimestamp();
                    for (int rep = 0; rep < 1; rep++)
                    {
                        foreach (WeightMatrix[] w in layers)
                        {
                            matMul.Run(x.Pointer, h, tokens, new MatMulTarget(w[0], null, y1.Pointer, c.QueryDim),
                                new MatMulTarget(w[1], null, y2.Pointer, c.KvDim), new MatMulTarget(w[2], null, y3.Pointer, c.KvDim));
                            matMul.Run(x.Pointer, c.QueryDim, tokens, w[3], null, y1.Pointer, h);
                            matMul.Run(x.Pointer, h, tokens, new MatMulTarget(w[4], null, y1.Pointer, f), new MatMulTarget(w[5], null, y2.Pointer, f));
                            matMul.Run(x.Pointer, f, tokens, w[6], null, y1.Pointer, h);
                        }
                    }
                    double gbs = bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
                    if (i >= 0) (variant ? b : a).Add(gbs);
                }
            }
            DecodeSwitch.B = false;
            var ratio = new List<double>();
            for (int k = 0; k < a.Count; k++) ratio.Add(b[k] / a[k]);
            ratio.Sort();
            a.Sort();
            b.Sort();
            Console.WriteLine($"{format,-4} {bytes / 1e6:F0} MB, {tokens} tok: A median {a[a.Count / 2],5:F1} best {a[^1],5:F1} | B median {b[b.Count / 2],5:F1} best {b[^1],5:F1} GB/s; B/A median {ratio[ratio.Count / 2]:F3}");
            foreach (IDisposable d in buffers) d.Dispose();
        }
    }
}
