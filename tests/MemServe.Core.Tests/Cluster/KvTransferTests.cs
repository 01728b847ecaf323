using MemServe.Cluster;
using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.PrefixCache;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Core.Tests.Cluster;

/// <summary>MemServe's transfer APIs between instances: data lands before anything is published, only the missing
/// blocks travel, and a failed transfer leaves both pools intact with nothing published.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class KvTransferTests
{
    private static readonly int[] Prompt = TestEngines.Prompt(21, 30);

    [Fact]
    public async Task Transfer_with_insert_publishes_on_the_receiver_and_the_next_request_reuses_it()
    {
        await using var source = new LocalEngineInstance("a", InstanceRole.Colocated, CachedEngines.Create(ClusterEngines.Options));
        await using var target = new LocalEngineInstance("b", InstanceRole.Colocated, CachedEngines.Create(ClusterEngines.Options));
        GenerationResult first = await source.Engine.CompleteAsync(TestEngines.Greedy(Prompt, 6));

        KvImportResult imported;
        await using (IKvSource kv = await source.ExportCachedAsync(Prompt))
            imported = await target.ImportAsync(Prompt, kv, insert: true);
        GenerationResult second = await target.Engine.CompleteAsync(TestEngines.Greedy(Prompt, 6));

        Assert.Equal(new KvImportResult(0, 7, 7), imported); // 30 tokens: 7 full 4-token blocks
        Assert.Equal(28, second.Usage.CachedPromptTokens);
        Assert.Equal(first.TokenIds, second.TokenIds);
        CachedEngines.AssertIdleAndConsistent(source.Engine);
        CachedEngines.AssertIdleAndConsistent(target.Engine);
    }

    [Fact]
    public async Task Only_the_blocks_the_receiver_lacks_travel()
    {
        await using var source = new LocalEngineInstance("a", InstanceRole.Colocated, CachedEngines.Create(ClusterEngines.Options));
        await using var target = new LocalEngineInstance("b", InstanceRole.Colocated, CachedEngines.Create(ClusterEngines.Options));
        await source.Engine.CompleteAsync(TestEngines.Greedy(Prompt, 2));
        await target.Engine.CompleteAsync(TestEngines.Greedy(Prompt[..13], 2)); // holds 3 blocks

        await using IKvSource kv = await source.ExportCachedAsync(Prompt);
        KvImportResult imported = await target.ImportAsync(Prompt, kv, insert: true);

        Assert.Equal(new KvImportResult(3, 4, 4), imported);
    }

    [Theory]
    [InlineData(FailingLinks.FailureMode.SendThrows)]
    [InlineData(FailingLinks.FailureMode.WrongFrame)]
    public async Task A_failed_import_publishes_nothing_and_frees_what_it_allocated(FailingLinks.FailureMode mode)
    {
        var links = new FailingLinks { Mode = mode };
        await using var source = new LocalEngineInstance("a", InstanceRole.Colocated, CachedEngines.Create(ClusterEngines.Options));
        await using var target = new LocalEngineInstance("b", InstanceRole.Colocated, CachedEngines.Create(ClusterEngines.Options), links.Factory);
        await source.Engine.CompleteAsync(TestEngines.Greedy(Prompt, 2));
        int sourceCached = ClusterEngines.CachedBlocks(source);

        await using (IKvSource kv = await source.ExportCachedAsync(Prompt))
            await Assert.ThrowsAsync<KvTransportException>(() => target.ImportAsync(Prompt, kv, insert: true));

        Assert.Equal(1, links.LinksOpened);
        Assert.Equal(0, ClusterEngines.CachedBlocks(target));
        Assert.Equal(sourceCached, ClusterEngines.CachedBlocks(source));
        CachedEngines.AssertIdleAndConsistent(source.Engine);
        CachedEngines.AssertIdleAndConsistent(target.Engine);
    }

    [Theory]
    [InlineData(FailingLinks.FailureMode.SendThrows)]
    [InlineData(FailingLinks.FailureMode.WrongFrame)]
    public async Task A_failed_prefill_to_decode_transfer_fails_the_request_and_leaves_both_pools_intact(FailingLinks.FailureMode mode)
    {
        var links = new FailingLinks { Mode = mode };
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.PdCaching2, 2, links: links.Factory);

        await Assert.ThrowsAsync<KvTransportException>(() => cluster.CompleteAsync(TestEngines.Greedy(Prompt, 5)));

        Assert.Equal(0, ClusterEngines.CachedBlocks(cluster.Find("d0"))); // nothing half-published on the decode side
        Assert.Equal(7, ClusterEngines.CachedBlocks(cluster.Find("p0"))); // the prefill side's own cache is untouched
        ClusterEngines.AssertIdleAndConsistent(cluster);

        links.Mode = FailingLinks.FailureMode.None; // the link recovers: the same request now runs
        int[] expected = (await CachedEngines.ReferenceAsync(TestEngines.Greedy(Prompt, 5)))[0];
        GenerationResult result = await cluster.CompleteAsync(TestEngines.Greedy(Prompt, 5));
        Assert.Equal(expected, result.TokenIds);
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task A_failed_write_back_only_costs_the_next_turn_a_recomputation()
    {
        var links = new FailingLinks();
        int[][] expected = await ClusterEngines.ReferenceAsync(3);
        List<LocalEngineInstance> instances = ClusterEngines.Instances(DisaggregationStrategies.PdCaching3, 2);
        await instances[0].DisposeAsync(); // replace the prefill instance by one whose incoming links fail
        instances[0] = new LocalEngineInstance("p0", InstanceRole.Prefill, CachedEngines.Create(ClusterEngines.Options), links.Factory);
        links.Mode = FailingLinks.FailureMode.SendThrows;
        await using var cluster = new LlmCluster(instances, new LlmClusterOptions { Disaggregation = DisaggregationStrategies.PdCaching3 });

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, 3);

        Assert.Equal(expected, results.Select(r => r.TokenIds.ToArray()).ToArray());
        Assert.True(cluster.Counters.FailedTransfers >= 2);
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }
}
