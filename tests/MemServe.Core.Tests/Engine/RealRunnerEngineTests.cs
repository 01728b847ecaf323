using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Engine;

/// <summary>The engine end to end on the real <see cref="MemServe.Runner.CpuModelRunner"/> with a tiny random model.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class RealRunnerEngineTests
{
    private static readonly FakeTokenizer Tokenizer = new() { VocabSize = 150 };

    private static LlmEngine Create(InMemoryTensorSource weights, ModelConfig config, LlmEngineOptions? options = null) =>
        LlmEngine.Create(config, weights, Tokenizer, (options ?? new LlmEngineOptions()) with
        {
            Threads = 1,
            MemoryBudgetBytes = 64L << 20,
            OwnsWeights = true,
        });

    private static GenerationRequest[] Requests() =>
    [
        TestEngines.Greedy(TestEngines.Prompt(1, 5), 12),
        TestEngines.Greedy(TestEngines.Prompt(2, 23), 8),
        TestEngines.Greedy(TestEngines.Prompt(3, 1), 16),
        TestEngines.Greedy(TestEngines.Prompt(4, 40), 6),
    ];

    private static async Task<int[][]> AloneAsync(GenerationRequest[] requests)
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        await using LlmEngine engine = Create(weights, config);
        var outputs = new int[requests.Length][];
        for (int i = 0; i < requests.Length; i++) outputs[i] = await TestEngines.TokensAsync(engine, requests[i]);
        return outputs;
    }

    [Fact]
    public async Task Greedy_outputs_match_alone_batched_chunked_and_preempted()
    {
        GenerationRequest[] requests = Requests();
        int[][] alone = await AloneAsync(requests);

        var (config, weights) = TinyModels.Create("llama", DType.F32);
        // 14 blocks of 4 tokens and 7-token steps: chunked prefill, and preemption when all four grow.
        await using LlmEngine engine = Create(weights, config,
            new LlmEngineOptions { BlockTokens = 4, MaxBatchTokens = 7, MaxKvBlocks = 14 });
        int[][] together = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(alone, together);
        Assert.True(engine.GetStats().Preemptions > 0, "the pool was meant to force a preemption");
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task Create_reports_the_model_and_charges_every_category()
    {
        var (config, weights) = TinyModels.Create("qwen3", DType.BF16);
        await using LlmEngine engine = Create(weights, config);

        EngineStats stats = engine.GetStats();

        Assert.Equal("qwen3", engine.ModelInfo.Name);
        Assert.Equal(DType.BF16, engine.ModelInfo.WeightDType);
        Assert.Equal(weights.TotalBytes, engine.ModelInfo.WeightBytes);
        Assert.Equal(weights.TotalBytes / 2, engine.ModelInfo.ParameterCount);
        Assert.True(stats.WeightBytes > 0 && stats.ScratchBytes > 0 && stats.KvCacheBytes > 0);
        Assert.True(stats.WeightBytes + stats.ScratchBytes + stats.KvCacheBytes <= stats.MemoryBudgetBytes);
    }

    [Fact]
    public void A_budget_too_small_for_the_weights_fails_at_creation()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using (weights)
        {
            var error = Assert.Throws<MemoryBudgetExceededException>(() => LlmEngine.Create(config, weights, Tokenizer,
                new LlmEngineOptions { MemoryBudgetBytes = weights.TotalBytes / 2, Threads = 1 }));
            Assert.Contains("weights", error.Message);
        }
    }

    [Fact]
    public async Task Disposing_the_engine_frees_all_native_memory_it_owns()
    {
        long before = NativeMemoryTracker.LiveBytes;
        var (config, weights) = TinyModels.Create("mistral", DType.F16);
        LlmEngine engine = Create(weights, config);
        await engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(5, 9), 4));

        await engine.DisposeAsync();

        Assert.Equal(before, NativeMemoryTracker.LiveBytes);
    }
}
