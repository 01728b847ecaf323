using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Sampling;

namespace MemServe.Benchmarks;

/// <summary>
/// Workload measurements of the prefix cache that BenchmarkDotNet's repeated micro-iterations do not fit:
/// <c>prefix-cache replay TRACE [scale]</c> (hit rate of a Mooncake trace against the infinite-cache optimum),
/// <c>prefix-cache shared</c> (hit rate of a shared-prefix workload), <c>prefix-cache throughput</c> (engine
/// throughput at a 0% hit rate, cache off vs on) and <c>prefix-cache ttft</c> (time to first token of a
/// 2,040-token prompt against its cached fraction). Prints a table and one JSON line per result.
/// </summary>
internal static class PrefixCacheHarness
{
    public static int Run(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "shared";
        switch (mode)
        {
            case "replay":
                TraceReplay.Run(args.Length > 1 ? args[1] : "/work/shared/testdata/traces/mooncake_conversation_trace.jsonl",
                    args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32);
                return 0;
            case "shared":
                TraceReplay.RunShared();
                return 0;
            case "throughput":
                Throughput(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3);
                return 0;
            case "ttft":
                TimeToFirstToken();
                return 0;
            default:
                Console.Error.WriteLine("usage: prefix-cache replay [TRACE] [SCALE] | shared | throughput [ROUNDS] | ttft");
                return 2;
        }
    }

    private static LlmEngine CreateEngine(LoadedModel model, bool cache) =>
        LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, new LlmEngineOptions
        {
            MemoryBudgetBytes = model.Weights.TotalBytes + (1L << 30),
            PrefixCache = new PrefixCacheOptions { Enabled = cache },
        });

    // Distinct random prompts (no shared block): every lookup misses, so this is the cache's pure overhead.
    private static void Throughput(int rounds)
    {
        using LoadedModel model = LoadedModel.Load(null);
        const int requests = 16, promptTokens = 128, outputTokens = 16;
        var totals = new double[2];
        for (int round = 0; round < rounds; round++)
        {
            foreach (bool cache in new[] { false, true })
            {
                LlmEngine engine = CreateEngine(model, cache);
                var random = new Random(1000 * round + (cache ? 1 : 0));
                var tasks = new Task<GenerationResult>[requests];
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < requests; i++)
                {
                    var prompt = new int[promptTokens];
                    for (int t = 0; t < promptTokens; t++) prompt[t] = random.Next(300, model.Config.VocabSize);
                    tasks[i] = engine.CompleteAsync(new GenerationRequest
                    {
                        PromptTokenIds = prompt, MaxTokens = outputTokens, IgnoreEos = true, Sampling = SamplingParameters.Greedy,
                    });
                }
                Task.WaitAll(tasks);
                double tokensPerSecond = requests * (promptTokens + outputTokens) / clock.Elapsed.TotalSeconds;
                long hits = engine.GetStats().PrefixCacheHitTokens;
                engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
                totals[cache ? 1 : 0] += tokensPerSecond;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}  cache {(cache ? "on " : "off")}  {tokensPerSecond,8:0.0} tok/s  hit tokens {hits}"));
            }
        }
        double off = totals[0] / rounds, on = totals[1] / rounds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean: off {off:0.0} tok/s, on {on:0.0} tok/s, overhead {(off - on) / off * 100:0.00}%"));
        Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "throughput_0pct_hit", off_tok_s = off, on_tok_s = on, rounds }));
    }

    // Warms the cache with the first fraction of a 2,040-token prompt, then measures the full prompt's TTFT.
    private static void TimeToFirstToken()
    {
        using LoadedModel model = LoadedModel.Load(null);
        const int promptTokens = 2040;
        var random = new Random(7);
        var prompt = new int[promptTokens];
        for (int t = 0; t < promptTokens; t++) prompt[t] = random.Next(300, model.Config.VocabSize);
        Console.WriteLine("cached fraction  cached tok  TTFT ms");
        foreach (double fraction in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
        {
            LlmEngine engine = CreateEngine(model, cache: true);
            int warm = (int)(promptTokens * fraction);
            if (warm > 0) Complete(engine, prompt[..warm], 1);
            GenerationResult result = Complete(engine, prompt, 1);
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            double ms = result.Timings.TimeToFirstToken.TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fraction,15:0.00}  {result.Usage.CachedPromptTokens,10}  {ms,7:0.0}"));
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "ttft_vs_cached", fraction, cached = result.Usage.CachedPromptTokens, ttft_ms = ms }));
        }
    }

    private static GenerationResult Complete(LlmEngine engine, int[] prompt, int maxTokens) =>
        engine.CompleteAsync(new GenerationRequest
        {
            PromptTokenIds = prompt, MaxTokens = maxTokens, IgnoreEos = true, Sampling = SamplingParameters.Greedy,
        }).GetAwaiter().GetResult();
}
