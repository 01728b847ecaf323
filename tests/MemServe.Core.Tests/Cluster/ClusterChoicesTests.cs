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

    [Theory]
    [InlineData(2, null)]
    [InlineData(1, 3)]
    public async Task Prefill_decode_disaggregation_refuses_choices_and_logprobs(int n, int? logprobs)
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdBasic, 2);
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(4, 9), 3) with { N = n, Logprobs = logprobs };

        var ex = await Assert.ThrowsAsync<InvalidRequestException>(async () =>
        {
            await foreach (GenerationUpdate _ in cluster.GenerateAsync(request)) { }
        });

        Assert.Contains("disaggregation", ex.Message, StringComparison.Ordinal);
    }
}
