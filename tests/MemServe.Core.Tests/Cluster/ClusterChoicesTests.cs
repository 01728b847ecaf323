using MemServe.Cluster;
using MemServe.Core.Tests.Engine;
using MemServe.Engine;

namespace MemServe.Core.Tests.Cluster;

/// <summary><see cref="GenerationRequest.N"/> &gt; 1 and logprobs through <see cref="LlmCluster"/>.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public sealed class ClusterChoicesTests
{
    [Fact]
    public async Task Colocated_choices_run_on_one_instance_each_with_its_own_usage()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.Colocated, 2);
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(3, 14), 6) with { Logprobs = 1 };
        GenerationResult single = await cluster.CompleteAsync(request).WaitAsync(TestEngines.Patience);

        var tokens = new List<int>[3] { [], [], [] };
        var finals = new List<GenerationUpdate>();
        await foreach (GenerationUpdate update in cluster.GenerateAsync(request with { N = 3 }))
        {
            Assert.NotNull(update.Logprobs);
            tokens[update.ChoiceIndex].Add(update.TokenId);
            if (update.IsFinal) finals.Add(update);
        }

        Assert.All(tokens, t => Assert.Equal(single.TokenIds, t));
        Assert.Equal(3, finals.Count);
        Assert.All(finals, f => Assert.Equal(6, f.Usage!.OutputTokens));
        Assert.Single(finals.SelectMany(f => f.Usage!.Instances).Select(u => u.InstanceId).Distinct()); // all on one instance
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task Prefill_decode_disaggregation_refuses_choices()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdBasic, 2);
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(4, 9), 3) with { N = 2 };

        var ex = await Assert.ThrowsAsync<InvalidRequestException>(async () =>
        {
            await foreach (GenerationUpdate _ in cluster.GenerateAsync(request)) { }
        });

        Assert.Contains("disaggregation", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DisaggregationStrategies.PdBasic, KvTransferMode.Aggregated)]
    [InlineData(DisaggregationStrategies.PdCaching2, KvTransferMode.Aggregated)]
    [InlineData(DisaggregationStrategies.PdCaching3, KvTransferMode.ByLayer)]
    public async Task Logprobs_across_a_prefill_decode_split_equal_the_colocated_ones(string strategy, KvTransferMode mode)
    {
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(4, 9), 5) with { Logprobs = 3 };
        await using LlmCluster colocated = ClusterEngines.Create(DisaggregationStrategies.Colocated, 1);
        List<GenerationUpdate> expected = await UpdatesAsync(colocated, request);
        await using var split = new LlmCluster(ClusterEngines.Instances(strategy, 2), new LlmClusterOptions
        {
            Disaggregation = strategy, KvTransferMode = mode, Random = new Random(5),
        });

        List<GenerationUpdate> actual = await UpdatesAsync(split, request);

        Assert.Equal(expected.Select(u => u.TokenId), actual.Select(u => u.TokenId));
        Assert.All(actual, u => Assert.NotNull(u.Logprobs)); // the first one comes from the prefill instance
        Assert.Equal(expected.Select(u => u.Logprobs!.Logprob), actual.Select(u => u.Logprobs!.Logprob));
        Assert.Equal(expected.SelectMany(u => u.Logprobs!.Top), actual.SelectMany(u => u.Logprobs!.Top));
        ClusterEngines.AssertIdleAndConsistent(split);
    }

    private static async Task<List<GenerationUpdate>> UpdatesAsync(ILlmEngine engine, GenerationRequest request)
    {
        var updates = new List<GenerationUpdate>();
        await foreach (GenerationUpdate update in engine.GenerateAsync(request)) updates.Add(update);
        return updates;
    }
}
