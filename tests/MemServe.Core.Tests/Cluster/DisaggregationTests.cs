using MemServe.Cluster;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Cluster;

/// <summary>A multi-turn greedy conversation through every disaggregation strategy gives exactly one colocated
/// engine's outputs, and each caching level reuses what it should on the instances that serve it.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class DisaggregationTests
{
    private const int Turns = 4;

    [Theory]
    [InlineData(DisaggregationStrategies.Colocated, 1)]
    [InlineData(DisaggregationStrategies.Colocated, 2)]
    [InlineData(DisaggregationStrategies.PdBasic, 2)]
    [InlineData(DisaggregationStrategies.PdCaching1, 2)]
    [InlineData(DisaggregationStrategies.PdCaching2, 2)]
    [InlineData(DisaggregationStrategies.PdCaching3, 2)]
    public async Task Every_strategy_reproduces_the_colocated_greedy_conversation(string strategy, int instances)
    {
        int[][] expected = await ClusterEngines.ReferenceAsync(Turns);
        await using LlmCluster cluster = ClusterEngines.Create(strategy, instances);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, Turns);

        Assert.Equal(expected, results.Select(r => r.TokenIds.ToArray()).ToArray());
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task Pd_basic_caches_nothing_on_either_side()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdBasic, 2);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, Turns);

        foreach (GenerationResult r in results)
        {
            Assert.Equal(0, r.Usage.CachedPromptTokens);
            Assert.Equal(0, ClusterEngines.Served(r, "prefill").CachedPromptTokens);
            Assert.Equal(0, ClusterEngines.Served(r, "decode").CachedPromptTokens);
        }
        Assert.All(cluster.Instances, i => Assert.Equal(0, ClusterEngines.CachedBlocks(i)));
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task Pd_caching_1_reuses_the_previous_prompt_on_the_prefill_side_only()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdCaching1, 2);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, Turns);

        Assert.Equal(0, results[0].Usage.CachedPromptTokens);
        for (int t = 1; t < Turns; t++)
        {
            // The prefill side cached the previous prompt's full blocks, never the decode side's output.
            int previousPromptBlocks = results[t - 1].Usage.PromptTokens / 4 * 4;
            Assert.Equal(previousPromptBlocks, ClusterEngines.Served(results[t], "prefill").CachedPromptTokens);
            Assert.Equal(previousPromptBlocks, results[t].Usage.CachedPromptTokens);
            Assert.Equal(0, ClusterEngines.Served(results[t], "decode").CachedPromptTokens);
        }
        Assert.Equal(0, ClusterEngines.CachedBlocks(cluster.Find("d0")));
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task Pd_caching_2_keeps_prompt_and_output_on_the_decode_side()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdCaching2, 2);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, Turns);

        Assert.Equal(0, ClusterEngines.Served(results[0], "decode").CachedPromptTokens);
        for (int t = 1; t < Turns; t++)
        {
            GenerationResult previous = results[t - 1];
            int previousPromptBlocks = previous.Usage.PromptTokens / 4 * 4;
            // Decode computed the previous prompt + all but the last output token: those full blocks stay there.
            int decodeHeld = (previous.Usage.PromptTokens + previous.Usage.OutputTokens - 1) / 4 * 4;
            Assert.Equal(previousPromptBlocks, ClusterEngines.Served(results[t], "prefill").CachedPromptTokens);
            Assert.Equal(decodeHeld, ClusterEngines.Served(results[t], "decode").CachedPromptTokens);
        }
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task Pd_caching_3_writes_the_output_back_so_the_prefill_side_grows_every_turn()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdCaching3, 2);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, Turns);

        for (int t = 1; t < Turns; t++)
        {
            GenerationResult previous = results[t - 1];
            int held = (previous.Usage.PromptTokens + previous.Usage.OutputTokens - 1) / 4 * 4;
            Assert.Equal(held, ClusterEngines.Served(results[t], "prefill").CachedPromptTokens);
            Assert.Equal(held, ClusterEngines.Served(results[t], "decode").CachedPromptTokens);
            Assert.Equal(held, results[t].Usage.CachedPromptTokens);
        }
        Assert.True(cluster.Counters.Transfers >= Turns);
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }
}
