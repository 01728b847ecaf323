using MemServe.Cluster;
using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.PrefixCache;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Core.Tests.Cluster;

/// <summary>By-layer KV transfer for the PD strategies: the prefill streams each layer group's KV into blocks the
/// decode side allocated up front; outputs are the colocated engine's, and a failed link publishes nothing.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class ByLayerTransferTests
{
    private const int Turns = 3;
    private static readonly int[] Prompt = TestEngines.Prompt(3, 30);

    private static LlmCluster Create(string strategy, int layersPerFrame, KvLinkFactory? links = null) =>
        new(ClusterEngines.Instances(strategy, 2, links), new LlmClusterOptions
        {
            Disaggregation = strategy, Random = new Random(5),
            KvTransferMode = KvTransferMode.ByLayer, KvLayersPerFrame = layersPerFrame,
        });

    [Theory]
    [InlineData(DisaggregationStrategies.PdBasic, 1)]
    [InlineData(DisaggregationStrategies.PdCaching2, 1)]
    [InlineData(DisaggregationStrategies.PdCaching2, 2)]
    [InlineData(DisaggregationStrategies.PdCaching3, 1)]
    public async Task A_by_layer_conversation_reproduces_the_colocated_greedy_outputs(string strategy, int layersPerFrame)
    {
        int[][] expected = await ClusterEngines.ReferenceAsync(Turns);
        var links = new CountingLinks();
        await using LlmCluster cluster = Create(strategy, layersPerFrame, links.Factory);

        GenerationResult[] results = await ClusterEngines.ConversationAsync(cluster, Turns);

        Assert.Equal(expected, results.Select(r => r.TokenIds.ToArray()).ToArray());
        Assert.True(links.LayerFrames > links.Transfers, $"{links.LayerFrames} layer frames for {links.Transfers} transfers");
        Assert.Equal(0, links.AggregatedFrames(strategy == DisaggregationStrategies.PdCaching3));
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Theory]
    [InlineData(FailingLinks.FailureMode.SendThrows)]
    [InlineData(FailingLinks.FailureMode.WrongFrame)]
    public async Task A_failing_link_in_by_layer_mode_fails_the_request_and_publishes_nothing(FailingLinks.FailureMode mode)
    {
        var links = new FailingLinks { Mode = mode };
        await using LlmCluster cluster = Create(DisaggregationStrategies.PdCaching2, 1, links.Factory);

        await Assert.ThrowsAsync<KvTransportException>(() => cluster.CompleteAsync(TestEngines.Greedy(Prompt, 5)));

        Assert.Equal(1, links.LinksOpened);
        Assert.Equal(0, ClusterEngines.CachedBlocks(cluster.Find("d0"))); // nothing half-published on the decode side
        ClusterEngines.AssertIdleAndConsistent(cluster);

        links.Mode = FailingLinks.FailureMode.None; // the link recovers: the same request now runs
        int[] expected = (await CachedEngines.ReferenceAsync(TestEngines.Greedy(Prompt, 5)))[0];
        GenerationResult result = await cluster.CompleteAsync(TestEngines.Greedy(Prompt, 5));
        Assert.Equal(expected, result.TokenIds);
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    /// <summary>In-process links that count the frames of each kind their sender ends carry.</summary>
    private sealed class CountingLinks
    {
        private int _transfers, _layerFrames, _blockFrames;

        public int Transfers => _transfers;

        public int LayerFrames => _layerFrames;

        // PD-Caching-3's write-back moves cached prefixes, which always travel aggregated.
        public int AggregatedFrames(bool writeBack) => writeBack ? 0 : _blockFrames;

        public KvLinkFactory Factory => (_, _) =>
        {
            (IKvTransport sender, IKvTransport receiver) = KvTransports.CreateInProcessPair();
            return (new Counting(sender, this), receiver);
        };

        private sealed class Counting(IKvTransport inner, CountingLinks owner) : IKvTransport
        {
            private int _sent;

            public string PeerName => inner.PeerName;
            public bool IsConnected => inner.IsConnected;
            public long PendingSendBytes => inner.PendingSendBytes;

            public ValueTask SendAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken = default)
                where TPayload : IFramePayload
            {
                if (Interlocked.Increment(ref _sent) == 1) Interlocked.Increment(ref owner._transfers);
                if (header.Type == MessageType.KvLayers) Interlocked.Increment(ref owner._layerFrames);
                else if (header.Type == MessageType.KvBlocks) Interlocked.Increment(ref owner._blockFrames);
                return inner.SendAsync(header, payload, cancellationToken);
            }

            public ValueTask<TransportFrame> ReceiveAsync(CancellationToken cancellationToken = default) => inner.ReceiveAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
