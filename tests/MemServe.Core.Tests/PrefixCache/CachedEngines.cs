using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.PrefixCache;

/// <summary>Engines on the real CPU runner with a tiny random Llama, with the prefix cache on or off.</summary>
internal static class CachedEngines
{
    private static readonly FakeTokenizer Tokenizer = new() { VocabSize = 150 };

    public static LlmEngineOptions CacheOff => new() { PrefixCache = new PrefixCacheOptions { Enabled = false } };

    /// <summary>A fresh engine (own weights, from <paramref name="seed"/>) with <paramref name="options"/>.</summary>
    public static LlmEngine Create(LlmEngineOptions? options = null, int seed = 1)
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32, seed);
        return LlmEngine.Create(config, weights, Tokenizer, (options ?? new LlmEngineOptions()) with
        {
            Threads = 1,
            MemoryBudgetBytes = 64L << 20,
            OwnsWeights = true,
        });
    }

    /// <summary>Runs the requests one after another.</summary>
    public static async Task<GenerationResult[]> SequentialAsync(LlmEngine engine, params GenerationRequest[] requests)
    {
        var results = new GenerationResult[requests.Length];
        for (int i = 0; i < requests.Length; i++)
            results[i] = await engine.CompleteAsync(requests[i]).WaitAsync(TestEngines.Patience);
        return results;
    }

    /// <summary>Each request alone on a fresh cache-off engine: the reference outputs.</summary>
    public static async Task<int[][]> ReferenceAsync(params GenerationRequest[] requests)
    {
        await using LlmEngine engine = Create(CacheOff);
        GenerationResult[] results = await SequentialAsync(engine, requests);
        return Tokens(results);
    }

    public static int[][] Tokens(GenerationResult[] results)
    {
        var tokens = new int[results.Length][];
        for (int i = 0; i < results.Length; i++) tokens[i] = [.. results[i].TokenIds];
        return tokens;
    }

    /// <summary>Pool and tree are consistent and nothing is pinned (call when the engine is idle).</summary>
    public static void AssertIdleAndConsistent(LlmEngine engine)
    {
        engine.Pool.CheckIntegrity();
        MemPool pool = engine.MemPool ?? throw new InvalidOperationException("the prefix cache is off");
        pool.CheckIntegrity();
        foreach (PromptTreeNode node in pool.Tree.Nodes) Assert.Equal(0, node.Pins);
        Assert.Equal(0, engine.GetStats().KvBlocksUsed);
    }

    public static int[] Concat(params int[][] parts)
    {
        var all = new List<int>();
        foreach (int[] part in parts) all.AddRange(part);
        return [.. all];
    }
}
