using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve demo</c>: the README's main job. Streams one generation, then submits bursts of concurrent
/// requests (each level of <c>--concurrency</c>, default 32) and prints throughput, time-to-first-token
/// percentiles and memory use, with a progress line while each burst runs. Then a multi-turn
/// conversation (each turn's prompt is the whole history) shows time to first token per turn with the
/// prefix cache off and on (<c>--cache off|on|both</c>, default both; <c>--turns N</c>, default 4).
/// <c>--cluster</c> runs <see cref="ClusterDemo"/> instead (<c>--sessions N</c>, default 8).
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] s_topics =
    [
        "memory pools", "prompt trees", "context caching", "disaggregated prefill", "paged attention",
        "continuous batching", "elastic parameters", "KV cache transfers", "speculative decoding", "token streaming",
    ];

    private static readonly string[] s_questions =
    [
        "What does a memory pool manage?", "How does the prompt tree find a cached prefix?",
        "What happens when the device tier is full?", "Why does the disk tier survive a restart?",
        "How are pinned blocks protected?", "What does a cache hit save?",
    ];

    private const string SystemPrompt =
        "You are the MemServe assistant. MemServe is an in-process inference engine with a memory pool that keeps " +
        "the KV cache of earlier requests, indexes it in a prompt tree keyed by blocks of sixteen tokens, and spills " +
        "cold blocks from the device arena to host memory and then to disk. Answer briefly and precisely.\n";

    /// <summary>The <c>demo</c> command, writing its tables to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        var engine = new EngineOptions();
        Option<int[]?> concurrency = CliOptions.IntList("--concurrency", "32,64", "Concurrent requests per burst, one burst per level [default: 32]", min: 1);
        Option<int> maxTokens = CliOptions.Int("--max-tokens", "Tokens per request (at most 32 in the conversation)", 64, min: 1);
        Option<string> cache = CliOptions.Choice("--cache", "Prefix cache setting(s) the multi-turn conversation runs with", "both", ["off", "on", "both"]);
        Option<int> turns = CliOptions.Int("--turns", "Turns of the multi-turn conversation", 4, min: 1);
        Option<bool> cluster = CliOptions.Flag("--cluster", "Instead: compare prompt-tree and round-robin routing on 4 in-process instances");
        Option<int> sessions = CliOptions.Int("--sessions", "Concurrent chat sessions of --cluster", 8, min: 1);
        var command = new Command("demo",
            "Stream one generation, run bursts of concurrent requests (throughput, TTFT), then a multi-turn chat with TTFT per turn")
        {
            concurrency, maxTokens, cache, turns, cluster, sessions,
        };
        engine.AddTo(command);
        command.SetAction(r => Run(engine.Read(r), CliOptions.GetList(r, concurrency) ?? [32], r.GetValue(maxTokens), r.GetValue(cache)!,
            r.GetValue(turns), r.GetValue(cluster), r.GetValue(sessions), output));
        return command;
    }

    private static int Run(EngineSetup setup, int[] levels, int maxTokens, string cacheMode, int turns, bool cluster, int sessions, TextWriter output)
    {
        if (cluster)
        {
            ClusterDemo.Run(setup, sessions, Math.Max(turns, 2), Math.Min(maxTokens, 32), output);
            return 0;
        }

        var clock = Stopwatch.StartNew();
        LlmEngine engine = setup.CreateEngine();
        try
        {
            ModelInfo info = engine.ModelInfo;
            output.WriteLine($"MemServe demo — model {info.Name}: {info.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, " +
                $"{info.WeightDType}, loaded in {clock.Elapsed.TotalSeconds:0.00} s");
            StreamOne(engine, output, maxTokens);
            output.WriteLine();
            output.WriteLine("concurrency  requests  gen tok/s  total tok/s  TTFT p50 ms  TTFT p90 ms  TTFT p99 ms  wall s");
            foreach (int level in levels)
            {
                BurstResult r = RunBurst(engine, level, maxTokens, output);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{level,11}  {r.Requests,8}  {r.GeneratedPerSecond,9:0.0}  {r.TotalPerSecond,11:0.0}  {r.TtftP50,11:0.0}  {r.TtftP90,11:0.0}  {r.TtftP99,11:0.0}  {r.WallSeconds,6:0.00}"));
            }
            EngineStats stats = engine.GetStats();
            output.WriteLine();
            output.WriteLine($"memory: weights {MemoryBudget.Format(stats.WeightBytes)}, KV cache {MemoryBudget.Format(stats.KvCacheBytes)} " +
                $"({stats.KvBlocksTotal} blocks of {stats.BlockTokens} tokens), scratch {MemoryBudget.Format(stats.ScratchBytes)}, " +
                $"budget {MemoryBudget.Format(stats.MemoryBudgetBytes)}; process peak working set {MemoryBudget.Format(Process.GetCurrentProcess().PeakWorkingSet64)}");
            output.WriteLine($"requests completed {stats.CompletedRequests}, preemptions {stats.Preemptions}, " +
                $"prefix cache hit tokens {stats.PrefixCacheHitTokens} of {stats.PrefixCachePromptTokens} looked up");
        }
        finally
        {
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        RunConversation(setup, cacheMode, turns, Math.Min(maxTokens, 32), output);
        return 0;
    }

    // The same greedy conversation on a fresh engine per cache mode; prints TTFT and cached tokens per turn.
    private static void RunConversation(EngineSetup setup, string cacheMode, int turns, int maxTokens, TextWriter output)
    {
        bool[] modes = cacheMode switch { "off" => [false], "on" => [true], _ => [false, true] };
        var ttft = new double[modes.Length, turns];
        var cached = new int[turns];
        var promptTokens = new int[turns];
        for (int m = 0; m < modes.Length; m++)
        {
            LlmEngine engine = setup.CreateEngine(setup.PrefixCache with { Enabled = modes[m] });
            try
            {
                var history = new List<int>(engine.Tokenizer.Encode(SystemPrompt));
                for (int t = 0; t < turns; t++)
                {
                    history.AddRange(engine.Tokenizer.Encode($"User: {s_questions[t % s_questions.Length]}\nAssistant:"));
                    var request = new GenerationRequest
                    {
                        PromptTokenIds = [.. history], MaxTokens = maxTokens, IgnoreEos = true, Sampling = SamplingParameters.Greedy,
                    };
                    GenerationResult result = engine.CompleteAsync(request).GetAwaiter().GetResult();
                    ttft[m, t] = result.Timings.TimeToFirstToken.TotalMilliseconds;
                    promptTokens[t] = result.Usage.PromptTokens;
                    if (modes[m]) cached[t] = result.Usage.CachedPromptTokens;
                    history.AddRange(result.TokenIds);
                    history.AddRange(engine.Tokenizer.Encode("\n"));
                }
            }
            finally
            {
                engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        output.WriteLine();
        output.WriteLine($"multi-turn conversation ({turns} turns, {maxTokens} tokens per answer, greedy): time to first token");
        output.WriteLine("turn  prompt tok  " + string.Join("  ", Array.ConvertAll(modes, on => on ? "cache on ms" : "cache off ms")) +
            (Array.IndexOf(modes, true) >= 0 ? "  cached tok" : ""));
        for (int t = 0; t < turns; t++)
        {
            var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{t + 1,4}  {promptTokens[t],10}"));
            for (int m = 0; m < modes.Length; m++)
            {
                line.Append(modes[m]
                    ? string.Create(CultureInfo.InvariantCulture, $"  {ttft[m, t],11:0.0}")
                    : string.Create(CultureInfo.InvariantCulture, $"  {ttft[m, t],12:0.0}"));
            }
            if (Array.IndexOf(modes, true) >= 0) line.Append(string.Create(CultureInfo.InvariantCulture, $"  {cached[t],10}"));
            output.WriteLine(line.ToString());
        }
    }

    private static void StreamOne(LlmEngine engine, TextWriter output, int maxTokens)
    {
        var request = new GenerationRequest
        {
            Prompt = "MemServe keeps the KV cache alive across requests, so",
            MaxTokens = maxTokens,
            Sampling = new SamplingParameters { Temperature = 0.8f, TopP = 0.95f, Seed = 7 },
        };
        output.Write($"\n> {request.Prompt}");
        Task.Run(async () =>
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request))
            {
                output.Write(update.TextDelta);
                output.Flush();
            }
        }).GetAwaiter().GetResult();
        output.WriteLine();
    }

    private static BurstResult RunBurst(LlmEngine engine, int concurrency, int maxTokens, TextWriter output)
    {
        int done = 0;
        var results = new GenerationResult[concurrency];
        var clock = Stopwatch.StartNew();
        var tasks = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            int index = i;
            var request = new GenerationRequest
            {
                Prompt = $"Request {index}: a short note on {s_topics[index % s_topics.Length]} and why it matters for serving.",
                MaxTokens = maxTokens,
                IgnoreEos = true,
                Sampling = new SamplingParameters { Temperature = 0.7f, Seed = index },
            };
            tasks[i] = Task.Run(async () =>
            {
                results[index] = await engine.CompleteAsync(request);
                Interlocked.Increment(ref done);
            });
        }
        Task all = Task.WhenAll(tasks);
        while (!all.Wait(250))
        {
            if (!Console.IsOutputRedirected) output.Write($"\r  running {concurrency} concurrent requests: {Volatile.Read(ref done)}/{concurrency} done ");
        }
        all.GetAwaiter().GetResult();
        if (!Console.IsOutputRedirected) output.Write("\r" + new string(' ', 60) + "\r");
        double wall = clock.Elapsed.TotalSeconds;

        long generated = 0, processed = 0;
        var ttft = new double[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            generated += results[i].Usage.OutputTokens;
            processed += results[i].Usage.OutputTokens + results[i].Usage.PromptTokens;
            ttft[i] = results[i].Timings.TimeToFirstToken.TotalMilliseconds;
        }
        Array.Sort(ttft);
        return new BurstResult(concurrency, generated / wall, processed / wall,
            Percentile(ttft, 0.50), Percentile(ttft, 0.90), Percentile(ttft, 0.99), wall);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private readonly record struct BurstResult(int Requests, double GeneratedPerSecond, double TotalPerSecond,
        double TtftP50, double TtftP90, double TtftP99, double WallSeconds);
}
