using System.Diagnostics;
using System.Globalization;
using MemServe.Compute;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Runner;
using MemServe.Tokenization;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve bench (--model DIR | --shape S|M|L) [--dtype f32|f16|bf16|q8] [--threads N] [--prompt 512]
/// [--gen 128] [--batch 1,4,16] [--runs 3] [--kv-dtype f32|bf16|auto] [--no-pack] [--json]</c>: prefill tok/s of one prompt, decode tok/s of one
/// sequence from an empty cache, decode tok/s of N concurrent sequences through the engine, the machine's read
/// bandwidth measured in the same run, the decode roofline fraction (decode tok/s × weight bytes per token ÷
/// bandwidth), the read bandwidth of the very pages decode streams and decode's fraction of it (the host's bandwidth
/// depends on where pages sit), and peak RSS. Shapes use random weights generated in memory (no file); <c>--dtype q8</c>
/// quantizes at load; <c>--no-pack</c> keeps the matrices row-major in the source instead of packing them into panels. Hidden: <c>--shape tiny</c>, <c>--bandwidth-mb N</c> (probe size, default 1024).
/// </summary>
internal static class BenchCommand
{
    public static int Run(CliArgs args, TextWriter output)
    {
        string? modelDir = args.Get("model"), shape = args.Get("shape");
        string dtypeText = (args.Get("dtype") ?? "bf16").ToLowerInvariant();
        int threads = args.GetInt("threads") ?? Environment.ProcessorCount;
        int prompt = args.GetInt("prompt") ?? 512, gen = args.GetInt("gen") ?? 128, runs = args.GetInt("runs") ?? 3;
        int[] batches = args.GetIntList("batch") ?? [];
        int batchPrompt = args.GetInt("batch-prompt") ?? 128, batchGen = args.GetInt("batch-gen") ?? 64;
        long bandwidthBytes = (args.GetLong("bandwidth-mb") ?? 1024) << 20;
        bool json = args.Has("json"), pack = !args.Has("no-pack");
        DType? kvType = EngineSetup.ReadKvDType(args);
        args.ThrowIfUnused();
        if ((modelDir is null) == (shape is null)) throw new CliUsageException("bench needs exactly one of --model DIR or --shape S|M|L");
        if (threads < 1 || prompt < 1 || gen < 1 || runs < 1 || batchPrompt < 1 || batchGen < 2 || bandwidthBytes < (4 << 20))
            throw new CliUsageException("--threads, --prompt, --gen, --runs must be positive, --batch-gen at least 2, --bandwidth-mb at least 4");
        foreach (int b in batches) if (b < 1) throw new CliUsageException("--batch sizes must be positive");
        bool q8 = dtypeText == "q8";

        ITensorSource weights;
        ModelConfig config;
        DType stored;
        ITokenizer tokenizer;
        string label;
        if (shape is not null)
        {
            if (!q8 && !TryParseDType(dtypeText, out _)) throw new CliUsageException($"--dtype must be f32, f16, bf16 or q8, got '{dtypeText}'");
            try { config = ModelShapes.Get(shape); }
            catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
            stored = q8 ? DType.BF16 : TryParseDType(dtypeText, out DType d) ? d : DType.BF16;
            weights = RandomWeights.Create(config, stored);
            tokenizer = new BenchTokenizer(config.VocabSize);
            label = shape.ToUpperInvariant() == "TINY" ? "tiny" : shape.ToUpperInvariant();
        }
        else
        {
            LoadedModel model = LoadedModel.Load(modelDir);
            (weights, config, tokenizer, label) = (model.Weights, model.Config, model.Tokenizer, model.Name);
            stored = ModelInfo.Describe(null, config, weights).WeightDType;
            if (!q8 && args.Has("dtype") && (!TryParseDType(dtypeText, out DType asked) || asked != stored))
                throw new CliUsageException($"--model weights are {stored}; --dtype may only be {stored.SafetensorsName().ToLowerInvariant()} or q8");
            if (!q8) dtypeText = stored.SafetensorsName().ToLowerInvariant();
        }

        using (weights)
        {
            DType kv = new LlmEngineOptions { KvCacheDType = kvType }.ResolveKvCacheDType(stored);
            var result = Measure(config, weights, tokenizer, q8, pack, kv, threads, prompt, gen, runs, batches, batchPrompt, batchGen, bandwidthBytes);
            result.Shape = label;
            result.DType = dtypeText;
            Print(result, json, output);
        }
        return 0;
    }

    private static BenchResult Measure(ModelConfig config, ITensorSource weights, ITokenizer tokenizer, bool q8, bool pack, DType kvType, int threads,
        int prompt, int gen, int runs, int[] batches, int batchPrompt, int batchGen, long bandwidthBytes)
    {
        var result = new BenchResult { Threads = threads, KvDType = kvType.SafetensorsName().ToLowerInvariant() };
        var options = new CpuRunnerOptions
        {
            Threads = threads, MaxBatchTokens = Math.Max(prompt, 16), MaxBatchSequences = 1, QuantizeWeightsToQ8 = q8,
            PackWeights = pack, KvCacheDType = kvType,
        };
        using (var runner = new CpuModelRunner(config, weights, options))
        {
            result.WeightsBytes = runner.WeightBytes;
            result.PrefillTokS = BenchMeasurements.Prefill(runner, prompt, runs);
            result.DecodeTokS = BenchMeasurements.Decode(runner, gen, runs);
            List<(nint Start, long Bytes)> regions = runner.DecodeReadRegions();
            result.DecodeReadBytes = regions.Sum(r => r.Bytes);
            result.WeightsBandwidthBytesPerSecond = BenchMeasurements.ReadRegionsBandwidth(regions, threads, 5);
        }
        foreach (int b in batches)
        {
            var engineOptions = new LlmEngineOptions
            {
                Threads = threads, MaxRunningSequences = b, MaxBatchTokens = 512, QuantizeWeightsToQ8 = q8, PackWeights = pack,
                MemoryBudgetBytes = weights.TotalBytes + (2L << 30), ModelName = "bench", KvCacheDType = kvType,
            };
            var engine = LlmEngine.Create(config, weights, tokenizer, engineOptions);
            try
            {
                BenchMeasurements.BatchedDecode(engine, config.VocabSize, Math.Min(b, 2), 8, 2); // warm-up
                result.Batched.Add((b, BenchMeasurements.BatchedDecode(engine, config.VocabSize, b, batchPrompt, batchGen)));
            }
            finally
            {
                engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        result.PeakRssBytes = Process.GetCurrentProcess().PeakWorkingSet64; // before the bandwidth probe's array
        result.BandwidthBytesPerSecond = BenchMeasurements.ReadBandwidth(bandwidthBytes, threads, 5);
        return result;
    }

    private static bool TryParseDType(string text, out DType dtype) => DTypeExtensions.TryParseSafetensors(text.ToUpperInvariant(), out dtype);

    private static void Print(BenchResult r, bool json, TextWriter output)
    {
        double gbs = r.BandwidthBytesPerSecond / 1e9;
        double roofline = r.DecodeTokS * r.DecodeReadBytes / r.BandwidthBytesPerSecond;
        double ownGbs = r.WeightsBandwidthBytesPerSecond / 1e9;
        double ownRoofline = r.DecodeTokS * r.DecodeReadBytes / r.WeightsBandwidthBytesPerSecond;
        if (json)
        {
            JsonOut.Line(output, w =>
            {
                w.WriteString("shape", r.Shape);
                w.WriteString("dtype", r.DType);
                w.WriteNumber("threads", r.Threads);
                w.WriteString("isa", CpuKernels.Name);
                w.WriteString("isa_features", CpuKernels.Features);
                w.WriteString("kv_dtype", r.KvDType);
                w.WriteNumber("weights_bytes", r.WeightsBytes);
                w.WriteNumber("prefill_tok_s", Math.Round(r.PrefillTokS, 2));
                w.WriteNumber("decode_tok_s", Math.Round(r.DecodeTokS, 2));
                w.WriteStartArray("batched");
                foreach (var (batch, tokS) in r.Batched)
                {
                    w.WriteStartObject();
                    w.WriteNumber("batch", batch);
                    w.WriteNumber("decode_tok_s", Math.Round(tokS, 2));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("bandwidth_gb_s", Math.Round(gbs, 2));
                w.WriteNumber("decode_roofline_fraction", Math.Round(roofline, 3));
                w.WriteNumber("weights_bandwidth_gb_s", Math.Round(ownGbs, 2));
                w.WriteNumber("decode_weights_roofline_fraction", Math.Round(ownRoofline, 3));
                w.WriteNumber("peak_rss_bytes", r.PeakRssBytes);
            });
            return;
        }
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Format(c, "shape {0}  dtype {1}  KV {5}  threads {2}  weights {3:F1} MB  ({4:F1} MB read per decode token)",
            r.Shape, r.DType, r.Threads, r.WeightsBytes / 1e6, r.DecodeReadBytes / 1e6, r.KvDType));
        output.WriteLine($"  CPU kernels        {CpuKernels.Description}");
        output.WriteLine(string.Format(c, "  prefill            {0,10:F1} tok/s", r.PrefillTokS));
        output.WriteLine(string.Format(c, "  decode (1 seq)     {0,10:F1} tok/s   {1:P0} of roofline at {2:F1} GB/s; {3:P0} of reading its own weights at {4:F1} GB/s",
            r.DecodeTokS, roofline, gbs, ownRoofline, ownGbs));
        foreach (var (batch, tokS) in r.Batched) output.WriteLine(string.Format(c, "  decode ({0,2} seqs)   {1,10:F1} tok/s total", batch, tokS));
        output.WriteLine(string.Format(c, "  peak RSS           {0,10:F1} MB", r.PeakRssBytes / 1e6));
    }

    private sealed class BenchResult
    {
        public string Shape { get; set; } = "";
        public string DType { get; set; } = "";
        public string KvDType { get; init; } = "f32";
        public int Threads { get; init; }
        public long WeightsBytes { get; set; }
        public double PrefillTokS { get; set; }
        public double DecodeTokS { get; set; }
        public List<(int Batch, double TokS)> Batched { get; } = [];
        public double BandwidthBytesPerSecond { get; set; }
        public double WeightsBandwidthBytesPerSecond { get; set; }
        public long DecodeReadBytes { get; set; }
        public long PeakRssBytes { get; set; }
    }
}
