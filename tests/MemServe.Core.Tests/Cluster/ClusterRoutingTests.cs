using MemServe.Cluster;
using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Cluster;

/// <summary>Every routing policy through <see cref="LlmCluster"/> gives a single engine's outputs; the global prompt
/// trees follow the instances' cache events.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class ClusterRoutingTests
{
    public static TheoryData<string, string> PolicyCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string policy in RoutingPolicies.Names)
        {
            data.Add(policy, DisaggregationStrategies.Colocated);
            data.Add(policy, DisaggregationStrategies.PdCaching3);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PolicyCases))]
    public async Task Every_policy_gives_reference_outputs_for_concurrent_conversations(string policy, string strategy)
    {
        int[][] expectedA = await ClusterEngines.ReferenceAsync(3, seed: 11);
        int[][] expectedB = await ClusterEngines.ReferenceAsync(3, seed: 12);
        await using LlmCluster cluster = ClusterEngines.Create(strategy, 4, policy);

        Task<GenerationResult[]> a = ClusterEngines.ConversationAsync(cluster, 3, seed: 11, session: "a");
        Task<GenerationResult[]> b = ClusterEngines.ConversationAsync(cluster, 3, seed: 12, session: "b");
        await Task.WhenAll(a, b);

        Assert.Equal(expectedA, (await a).Select(r => r.TokenIds.ToArray()).ToArray());
        Assert.Equal(expectedB, (await b).Select(r => r.TokenIds.ToArray()).ToArray());
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task Prompt_tree_routing_sends_the_next_turn_to_the_instance_holding_the_history()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.Colocated, 3);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, 3);

        string first = ClusterEngines.Served(results[0], "colocated").InstanceId;
        for (int t = 1; t < results.Length; t++)
        {
            Assert.Equal(first, ClusterEngines.Served(results[t], "colocated").InstanceId);
            Assert.True(results[t].Usage.CachedPromptTokens > results[t - 1].Usage.CachedPromptTokens);
        }
    }

    [Fact]
    public async Task The_global_tree_hears_inserts_and_evictions()
    {
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.Colocated, 1);
        int[] prompt = TestEngines.Prompt(3, 22);
        GlobalPromptTree tree = cluster.Router(InstanceRole.Colocated).Tree;

        await cluster.CompleteAsync(TestEngines.Greedy(prompt, 3));
        Assert.Equal(20, tree.Match(prompt).TokensFor("c0")); // 5 full prompt blocks

        var local = (LocalEngineInstance)cluster.Instances[0];
        await local.Engine.Loop.InvokeAsync(() => local.Engine.MemPool!.Delete(prompt.AsSpan(0, 12)));
        Assert.Equal(8, tree.Match(prompt).TokensFor("c0"));
    }
}
