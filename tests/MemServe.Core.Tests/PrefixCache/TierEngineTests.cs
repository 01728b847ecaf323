using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.Model;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;

namespace MemServe.Core.Tests.PrefixCache;

/// <summary>Hits served from the host and disk tiers, forced eviction under a tiny pool, and restarts.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class TierEngineTests
{
    // 16 device blocks of 4 tokens: a 40-token prompt plus output fills most of the pool.
    private static LlmEngineOptions Tiny(PrefixCacheOptions cache) => new() { BlockTokens = 4, MaxKvBlocks = 16, PrefixCache = cache };

    private static readonly GenerationRequest Target = TestEngines.Greedy(TestEngines.Prompt(21, 40), 6);

    // Runs the target, pushes it off the device with other prompts, then runs it again.
    private static async Task<GenerationResult> TargetAfterEvictionAsync(LlmEngine engine)
    {
        await engine.CompleteAsync(Target);
        for (int i = 0; i < 3; i++) await engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(30 + i, 40), 6));
        return await engine.CompleteAsync(Target);
    }

    [Fact]
    public async Task A_prefix_evicted_to_the_host_tier_hits_and_gives_the_same_output()
    {
        int[][] expected = await CachedEngines.ReferenceAsync(Target);
        await using LlmEngine engine = CachedEngines.Create(Tiny(new PrefixCacheOptions { HostBytes = 1L << 20 }));

        GenerationResult again = await TargetAfterEvictionAsync(engine);

        Assert.Equal(expected[0], again.TokenIds);
        Assert.Equal(36, again.Usage.CachedPromptTokens);
        EngineStats stats = engine.GetStats();
        Assert.True(stats.PrefixCacheSwapIns > 0, "the hit should have come from the host tier");
        Assert.True(stats.HostCachedBlocks > 0);
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Fact]
    public async Task A_prefix_evicted_to_the_disk_tier_hits_and_gives_the_same_output()
    {
        using var dir = new TempDirectory();
        int[][] expected = await CachedEngines.ReferenceAsync(Target);
        await using LlmEngine engine = CachedEngines.Create(Tiny(new PrefixCacheOptions { DiskDirectory = dir.Path }));

        GenerationResult again = await TargetAfterEvictionAsync(engine);

        Assert.Equal(expected[0], again.TokenIds);
        Assert.Equal(36, again.Usage.CachedPromptTokens);
        EngineStats stats = engine.GetStats();
        Assert.True(stats.PrefixCacheSwapIns > 0, "the hit should have come from the disk tier");
        Assert.True(stats.DiskCachedBlocks > 0);
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Fact]
    public async Task Fifty_concurrent_requests_under_a_tiny_pool_match_the_uncached_outputs()
    {
        var requests = new GenerationRequest[50];
        for (int i = 0; i < requests.Length; i++)
        {
            int[] system = TestEngines.Prompt(200 + i % 5, 24);
            requests[i] = TestEngines.Greedy(CachedEngines.Concat(system, TestEngines.Prompt(300 + i, 2 + i % 7)), 6);
        }
        int[][] expected = await CachedEngines.ReferenceAsync(requests);
        await using LlmEngine engine = CachedEngines.Create(new LlmEngineOptions
        {
            BlockTokens = 4, MaxKvBlocks = 30, MaxBatchTokens = 24,
            PrefixCache = new PrefixCacheOptions { HostBytes = 8L << 10 },
        });

        int[][] together = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(expected, together);
        EngineStats stats = engine.GetStats();
        Assert.True(stats.PrefixCacheEvictions > 0, "the tiny pool was meant to force evictions");
        Assert.True(stats.PrefixCacheHitTokens > 0);
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Fact]
    public async Task A_second_engine_over_the_same_disk_directory_hits_the_first_ones_cache()
    {
        using var dir = new TempDirectory();
        var options = new LlmEngineOptions { PrefixCache = new PrefixCacheOptions { DiskDirectory = dir.Path } };
        GenerationResult first;
        await using (LlmEngine engine = CachedEngines.Create(options))
        {
            first = await engine.CompleteAsync(Target);
        }

        await using LlmEngine restarted = CachedEngines.Create(options);
        GenerationResult second = await restarted.CompleteAsync(Target);

        Assert.Equal(32, second.Usage.CachedPromptTokens);
        Assert.Equal(first.TokenIds, second.TokenIds);
        CachedEngines.AssertIdleAndConsistent(restarted);
    }

    [Fact]
    public async Task A_different_model_ignores_the_disk_cache()
    {
        using var dir = new TempDirectory();
        var options = new LlmEngineOptions { PrefixCache = new PrefixCacheOptions { DiskDirectory = dir.Path } };
        await using (LlmEngine engine = CachedEngines.Create(options))
        {
            await engine.CompleteAsync(Target);
        }

        await using LlmEngine other = CachedEngines.Create(options, seed: 2);
        GenerationResult result = await other.CompleteAsync(Target);

        Assert.Equal(0, result.Usage.CachedPromptTokens);
        Assert.Equal(0, other.GetStats().DiskCachedBlocks);
    }
}
