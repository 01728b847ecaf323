using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;

namespace MemServe.Core.Tests.PrefixCache;

/// <summary>Greedy outputs with the prefix cache on equal those with it off, and usage reports the hits.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class CachedOutputTests
{
    private static readonly int[] System = TestEngines.Prompt(100, 40);

    [Fact]
    public async Task Requests_sharing_a_system_prompt_match_uncached_outputs()
    {
        GenerationRequest[] requests =
        [
            TestEngines.Greedy(CachedEngines.Concat(System, TestEngines.Prompt(1, 5)), 8),
            TestEngines.Greedy(CachedEngines.Concat(System, TestEngines.Prompt(2, 9)), 8),
            TestEngines.Greedy(CachedEngines.Concat(System, TestEngines.Prompt(3, 3)), 8),
        ];
        int[][] expected = await CachedEngines.ReferenceAsync(requests);

        await using LlmEngine engine = CachedEngines.Create();
        GenerationResult[] results = await CachedEngines.SequentialAsync(engine, requests);

        Assert.Equal(expected, CachedEngines.Tokens(results));
        Assert.Equal(0, results[0].Usage.CachedPromptTokens);
        Assert.Equal(32, results[1].Usage.CachedPromptTokens); // the two full 16-token blocks of the 40-token system prompt
        Assert.Equal(32, results[2].Usage.CachedPromptTokens);
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Theory]
    [InlineData(32, 16)] // whole prompt cached: the last block is recomputed for logits
    [InlineData(33, 32)]
    [InlineData(47, 32)]
    [InlineData(15, 0)]
    public async Task A_repeated_prompt_reuses_full_blocks_but_computes_at_least_one_token(int length, int cached)
    {
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(7, length), 4);
        await using LlmEngine engine = CachedEngines.Create();

        GenerationResult[] results = await CachedEngines.SequentialAsync(engine, request, request);

        Assert.Equal(cached, results[1].Usage.CachedPromptTokens);
        Assert.Equal(results[0].TokenIds, results[1].TokenIds);
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Fact]
    public async Task The_next_turn_of_a_conversation_hits_the_previous_prompt_and_output()
    {
        int[] turn1 = TestEngines.Prompt(11, 20);
        var options = new LlmEngineOptions { BlockTokens = 4 };
        await using LlmEngine engine = CachedEngines.Create(options);
        GenerationResult first = await engine.CompleteAsync(TestEngines.Greedy(turn1, 10));
        int[] turn2 = CachedEngines.Concat(turn1, [.. first.TokenIds], TestEngines.Prompt(12, 8));
        int[] turn3Tail = TestEngines.Prompt(13, 6);

        GenerationResult second = await engine.CompleteAsync(TestEngines.Greedy(turn2, 10));
        int[] turn3 = CachedEngines.Concat(turn2, [.. second.TokenIds], turn3Tail);
        GenerationResult third = await engine.CompleteAsync(TestEngines.Greedy(turn3, 10));

        // Turn 1 computed 20 prompt + 9 output tokens: 7 full blocks are cached.
        Assert.Equal(28, second.Usage.CachedPromptTokens);
        Assert.Equal(((turn2.Length + 9) / 4) * 4, third.Usage.CachedPromptTokens);
        int[][] expected = await CachedEngines.ReferenceAsync(TestEngines.Greedy(turn2, 10), TestEngines.Greedy(turn3, 10));
        Assert.Equal(expected, CachedEngines.Tokens([second, third]));
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Fact]
    public async Task With_the_cache_off_nothing_is_cached_or_counted()
    {
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(7, 40), 4);
        await using LlmEngine engine = CachedEngines.Create(CachedEngines.CacheOff);

        GenerationResult[] results = await CachedEngines.SequentialAsync(engine, request, request);

        Assert.Equal(0, results[1].Usage.CachedPromptTokens);
        EngineStats stats = engine.GetStats();
        Assert.False(stats.PrefixCacheEnabled);
        Assert.Equal(0, stats.PrefixCacheLookups);
        Assert.Null(engine.MemPool);
    }

    [Fact]
    public async Task Stats_count_lookups_prompt_tokens_and_hit_tokens()
    {
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(7, 40), 4);
        await using LlmEngine engine = CachedEngines.Create();

        await CachedEngines.SequentialAsync(engine, request, request);

        EngineStats stats = engine.GetStats();
        Assert.Equal(2, stats.PrefixCacheLookups);
        Assert.Equal(80, stats.PrefixCachePromptTokens);
        Assert.Equal(32, stats.PrefixCacheHitTokens);
        Assert.True(stats.KvBlocksCached > 0);
        Assert.Equal(stats.KvBlocksTotal, stats.KvBlocksFree + stats.KvBlocksCached + stats.KvBlocksUsed);
    }
}
