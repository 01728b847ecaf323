using MemServe.Engine;
using MemServe.Memory;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Engine;

/// <summary>Builds engines over fakes and runs requests to the end.</summary>
internal static class TestEngines
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static LlmEngine Create(FakeRunner? runner = null, LlmEngineOptions? options = null, FakeTokenizer? tokenizer = null)
    {
        options ??= new LlmEngineOptions();
        return new LlmEngine(runner ?? new FakeRunner(), new MemoryBudget(options.MemoryBudgetBytes),
            tokenizer ?? new FakeTokenizer(), options, weights: null, loggerFactory: null);
    }

    public static GenerationRequest Greedy(int[] prompt, int maxTokens) => new()
    {
        PromptTokenIds = prompt,
        MaxTokens = maxTokens,
        IgnoreEos = true,
        Sampling = SamplingParameters.Greedy,
    };

    public static int[] Prompt(int seed, int length)
    {
        var random = new Random(seed);
        var ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = random.Next(2, 64);
        return ids;
    }

    public static async Task<int[]> TokensAsync(LlmEngine engine, GenerationRequest request)
    {
        GenerationResult result = await engine.CompleteAsync(request).WaitAsync(Patience);
        return [.. result.TokenIds];
    }

    /// <summary>Each request alone on a fresh, roomy engine: the reference outputs.</summary>
    public static async Task<int[][]> AloneAsync(IReadOnlyList<GenerationRequest> requests)
    {
        await using LlmEngine engine = Create();
        var outputs = new int[requests.Count][];
        for (int i = 0; i < requests.Count; i++) outputs[i] = await TokensAsync(engine, requests[i]);
        return outputs;
    }

    /// <summary>All requests at once on <paramref name="engine"/>.</summary>
    public static async Task<int[][]> TogetherAsync(LlmEngine engine, IReadOnlyList<GenerationRequest> requests)
    {
        var tasks = new Task<int[]>[requests.Count];
        for (int i = 0; i < requests.Count; i++) tasks[i] = TokensAsync(engine, requests[i]);
        return await Task.WhenAll(tasks);
    }

    /// <summary>Polls until the engine has no request left and every KV block is free (or patience runs out).</summary>
    public static async Task<EngineStats> IdleAsync(LlmEngine engine, Func<EngineStats, bool>? andThen = null)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            // The snapshot's figures are read one by one while the engine thread moves on, so a caller that expects a
            // counter to have moved as well waits for that too (andThen) rather than for the first idle-looking read.
            EngineStats stats = engine.GetStats();
            bool idle = stats.Running == 0 && stats.Waiting == 0 && stats.KvBlocksUsed == 0 && (andThen?.Invoke(stats) ?? true);
            if (idle || DateTime.UtcNow > deadline) return stats;
            await Task.Delay(5);
        }
    }
}
