using System.Diagnostics;
using System.Globalization;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve demo</c>: the README's main job. Streams one generation, then submits bursts of concurrent
/// requests (each level of <c>--concurrency</c>, default 32) and prints throughput, time-to-first-token
/// percentiles and memory use, with a progress line while each burst runs.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] s_topics =
    [
        "memory pools", "prompt trees", "context caching", "disaggregated prefill", "paged attention",
        "continuous batching", "elastic parameters", "KV cache transfers", "speculative decoding", "token streaming",
    ];

    public static int Run(CliArgs args, TextWriter output)
    {
        EngineSetup setup = EngineSetup.Read(args);
        int[] levels = args.GetIntList("concurrency") ?? [32];
        int maxTokens = args.GetInt("max-tokens") ?? 64;
        args.ThrowIfUnused();
        foreach (int level in levels)
        {
            if (level < 1) throw new CliUsageException("--concurrency levels must be ≥ 1");
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
            output.WriteLine($"requests completed {stats.CompletedRequests}, preemptions {stats.Preemptions}");
        }
        finally
        {
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return 0;
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
