using System.CommandLine;
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
/// quantizes at load; <c>--no-pack</c> keeps the matrices row-major in the source instead of packing them into panels. Hidden (accepted, not listed in --help): <c>--shape tiny</c>, <c>--bandwidth-mb N</c> (probe size, default 1024), <c>--batch-prompt N</c>, <c>--batch-gen N</c>.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The <c>bench</c> command, writing its table (or JSON) to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        Option<string?> model = CliOptions.ExistingDirectory("--model", "Hugging Face model folder to measure (or --shape)");
        Option<string?> shape = CliOptions.OptionalChoice("--shape", "A random-weight model of this size instead of --model (S ≈ 135M, M ≈ 0.5B, L ≈ 1.1B parameters)",
            ["S", "M", "L"], "tiny");
        Option<string> dtype = CliOptions.Choice("--dtype", "Weight type; q8 quantizes at load (with --model: the weights' own type or q8)", "bf16", ["f32", "f16", "bf16", "q8"]);
        Option<int> threads = CliOptions.Int("--threads", "Compute threads (default: all cores)", Environment.ProcessorCount, min: 1);
        Option<int> prompt = CliOptions.Int("--prompt", "Prompt tokens of the prefill measurement", 512, min: 1);
        Option<int> gen = CliOptions.Int("--gen", "Tokens of the single-sequence decode measurement", 128, min: 1);
        Option<int[]?> batch = CliOptions.IntList("--batch", "1,4,16", "Concurrent sequences of batched decode through the engine, one run per size", min: 1);
        Option<int> runs = CliOptions.Int("--runs", "Timed repetitions (the median is reported) after one warm-up", 3, min: 1);
        Option<int> batchPrompt = Hidden(CliOptions.Int("--batch-prompt", "Prompt tokens per batched sequence", 128, min: 1));
        Option<int> batchGen = Hidden(CliOptions.Int("--batch-gen", "Tokens per batched sequence", 64, min: 2));
        Option<int> bandwidthMb = Hidden(CliOptions.Int("--bandwidth-mb", "Bandwidth probe size, MiB", 1024, min: 4));
        Option<string> kvDType = EngineOptions.KvDType();
        Option<bool> noPack = CliOptions.Flag("--no-pack", "Keep matrices row-major instead of packing them into panels");
        Option<bool> json = EngineOptions.Json("Print one JSON object instead of the table");
        var command = new Command("bench", "Prefill and decode tok/s, batched decode, read bandwidth, roofline fraction and peak RSS")
        {
            model, shape, dtype, threads, prompt, gen, batch, runs, batchPrompt, batchGen, bandwidthMb, kvDType, noPack, json,
        };
        command.Validators.Add(r =>
        {
            if (CliOptions.IsGiven(r, model) == CliOptions.IsGiven(r, shape)) r.AddError("bench needs exactly one of --model DIR or --shape S|M|L");
        });
        command.SetAction(r =>
        {
            var options = new BenchOptions(r.GetValue(model), r.GetValue(shape), r.GetValue(dtype)!, CliOptions.IsGiven(r, dtype),
                r.GetValue(threads), r.GetValue(prompt), r.GetValue(gen), CliOptions.GetList(r, batch) ?? [], r.GetValue(runs), r.GetValue(batchPrompt),
                r.GetValue(batchGen), (long)r.GetValue(bandwidthMb) << 20, EngineOptions.ParseKvDType(r.GetValue(kvDType)!), !r.GetValue(noPack),
                r.GetValue(json));
            return Run(options, output);
        });
        return command;
    }

    private static Option<int> Hidden(Option<int> option)
    {
        option.Hidden = true;
        return option;
    }

    private static int Run(BenchOptions o, TextWriter output)
    {
        string dtypeText = o.DType, label;
        string? shape = o.Shape;
        bool q8 = dtypeText == "q8";

        ITensorSource weights;
        ModelConfig config;
        DType stored;
        ITokenizer tokenizer;
        if (shape is not null)
        {
            config = ModelShapes.Get(shape);
            stored = q8 ? DType.BF16 : TryParseDType(dtypeText, out DType d) ? d : DType.BF16;
            weights = RandomWeights.Create(config, stored);
            tokenizer = new BenchTokenizer(config.VocabSize);
            label = shape.ToUpperInvariant() == "TINY" ? "tiny" : shape.ToUpperInvariant();
        }
        else
        {
            LoadedModel model = LoadedModel.Load(o.Model);
            (weights, config, tokenizer, label) = (model.Weights, model.Config, model.Tokenizer, model.Name);
            stored = ModelInfo.Describe(null, config, weights).WeightDType;
            if (!q8 && o.DTypeGiven && (!TryParseDType(dtypeText, out DType asked) || asked != stored))
                throw new CliUsageException($"--model weights are {stored}; --dtype may only be {stored.SafetensorsName().ToLowerInvariant()} or q8");
            if (!q8) dtypeText = stored.SafetensorsName().ToLowerInvariant();
        }

        using (weights)
        {
            DType kv = new LlmEngineOptions { KvCacheDType = o.KvDType }.ResolveKvCacheDType(stored);
            var result = Measure(config, weights, tokenizer, q8, o.Pack, kv, o.Threads, o.Prompt, o.Gen, o.Runs, o.Batches, o.BatchPrompt, o.BatchGen, o.BandwidthBytes);
            result.Shape = label;
            result.DType = dtypeText;
            Print(result, o.Json, output);
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

    private sealed record BenchOptions(string? Model, string? Shape, string DType, bool DTypeGiven, int Threads, int Prompt, int Gen,
        int[] Batches, int Runs, int BatchPrompt, int BatchGen, long BandwidthBytes, DType? KvDType, bool Pack, bool Json);

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
