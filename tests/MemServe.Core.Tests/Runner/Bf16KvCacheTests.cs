using MemServe.Core.Tests.Engine;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>A BF16 KV cache (<see cref="CpuRunnerOptions.KvCacheDType"/>): consistent with itself (chunked, cached and
/// batched paths read the same rounded keys and values), close to FP32 attention, half the bytes, and kept apart from
/// FP32 caches on disk and on the wire.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class Bf16KvCacheTests
{
    private static readonly CpuRunnerOptions Bf16 = new() { KvCacheDType = DType.BF16 };

    [Theory]
    [InlineData("llama", DType.BF16)]
    [InlineData("qwen3", DType.F16)]
    [InlineData("mistral", DType.F32)]
    public void Decoding_over_a_bf16_cache_stays_close_to_full_fp32_recompute(string kind, DType dtype) =>
        // Keys and values carry 8 mantissa bits (relative error ≤ 2^-9 each).
        KvCacheConsistencyTests.AssertDecodeMatchesRecompute(kind, dtype, Bf16, relative: 2e-2);

    [Theory]
    [InlineData(DType.BF16, DType.BF16)]
    [InlineData(DType.F16, DType.BF16)]
    [InlineData(DType.F32, DType.F32)]
    public async Task The_default_cache_follows_the_weights(DType weights, DType expected)
    {
        var (config, source) = TinyModels.Create("llama", weights);
        var tokenizer = new FakeTokenizer { VocabSize = config.VocabSize };
        await using LlmEngine engine = LlmEngine.Create(config, source, tokenizer,
            new LlmEngineOptions { Threads = 1, MemoryBudgetBytes = 64L << 20, OwnsWeights = true, BlockTokens = 16 });
        var layout = new KvCacheLayout(0, config.NumLayers, config.NumKvHeads, config.HeadDim, 16, expected);

        EngineStats stats = engine.GetStats();

        Assert.Equal(layout.BlockBytes, stats.KvCacheBytes / stats.KvBlocksTotal);
        Assert.Equal(expected, new LlmEngineOptions().ResolveKvCacheDType(weights));
        Assert.Equal(DType.F32, new LlmEngineOptions { KvCacheDType = DType.F32 }.ResolveKvCacheDType(DType.BF16));
    }

    [Fact]
    public void Chunked_prefill_over_a_bf16_cache_matches_one_shot()
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16);
        using var _ = weights;
        using var oneShot = new RunnerHarness(config, weights, Bf16);
        using var chunked = new RunnerHarness(config, weights, Bf16);
        int[] prompt = TinyModels.Tokens(19, config.VocabSize, seed: 9);

        float[] expected = oneShot.Step(0, prompt);
        chunked.Step(0, prompt[..5]);
        chunked.Step(0, prompt[5..12]);
        LogitAssert.Close(expected, chunked.Step(0, prompt[12..]), relative: 1e-4);
    }

    [Fact]
    public void A_bf16_block_is_half_an_fp32_block_and_has_its_own_fingerprint()
    {
        var f32 = new KvCacheLayout(0, 30, 3, 64, 16);
        var bf16 = f32 with { ElementType = DType.BF16 };
        Assert.Equal(f32.BlockBytes / 2, bf16.BlockBytes);
        Assert.Equal(f32.Offset(7, true, 2, 5), bf16.Offset(7, true, 2, 5)); // offsets count elements
        Assert.NotEqual(ModelFingerprint.Compute(DefaultModel.Config, null, f32), ModelFingerprint.Compute(DefaultModel.Config, null, bf16));
        Assert.Throws<ArgumentException>(() => KvCacheLayout.ValidateElementType(DType.F16, 64, "kv"));
        Assert.Throws<ArgumentException>(() => KvCacheLayout.ValidateElementType(DType.BF16, 63, "kv"));
    }

    [Fact]
    public async Task An_engine_with_a_bf16_cache_gives_the_same_greedy_tokens_cached_uncached_and_batched()
    {
        var tokenizer = new FakeTokenizer { VocabSize = DefaultModel.Config.VocabSize };
        LlmEngine Engine(bool prefixCache) => LlmEngine.Create(DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer,
            new LlmEngineOptions
            {
                Threads = 2, MemoryBudgetBytes = 512L << 20, OwnsWeights = true, KvCacheDType = DType.BF16,
                PrefixCache = new PrefixCacheOptions { Enabled = prefixCache },
            });
        GenerationRequest first = TestEngines.Greedy(TestEngines.Prompt(1, 40), 12);
        GenerationRequest second = TestEngines.Greedy(TestEngines.Prompt(2, 23), 12);

        await using LlmEngine uncached = Engine(prefixCache: false);
        int[] reference = await TestEngines.TokensAsync(uncached, first);

        await using LlmEngine cached = Engine(prefixCache: true);
        Assert.Equal(reference, await TestEngines.TokensAsync(cached, first));
        GenerationResult again = await cached.CompleteAsync(first).WaitAsync(TestEngines.Patience);
        Assert.True(again.Usage.CachedPromptTokens >= 32, $"cached {again.Usage.CachedPromptTokens} prompt tokens");
        Assert.Equal(reference, again.TokenIds.ToArray());
        int[][] together = await TestEngines.TogetherAsync(cached, [first, second]);
        Assert.Equal(reference, together[0]);

        // The same budget holds about twice the blocks.
        await using LlmEngine f32 = LlmEngine.Create(DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer,
            new LlmEngineOptions { Threads = 2, MemoryBudgetBytes = 512L << 20, OwnsWeights = true, KvCacheDType = DType.F32 });
        int bf16Blocks = cached.GetStats().KvBlocksTotal, f32Blocks = f32.GetStats().KvBlocksTotal;
        Assert.True(bf16Blocks >= 1.9 * f32Blocks, $"BF16 cache {bf16Blocks} blocks, FP32 {f32Blocks}");
    }

    [Fact]
    public void An_engine_rejects_an_f16_kv_cache_by_name()
    {
        var tokenizer = new FakeTokenizer { VocabSize = DefaultModel.Config.VocabSize };
        var error = Assert.Throws<ArgumentException>(() => LlmEngine.Create(DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer,
            new LlmEngineOptions { OwnsWeights = true, KvCacheDType = DType.F16 }));
        Assert.Contains("KvCacheDType", error.Message);
    }
}
