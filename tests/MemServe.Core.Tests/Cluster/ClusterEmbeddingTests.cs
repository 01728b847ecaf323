using System.Net;
using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.PrefixCache;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Cluster;

/// <summary>Embeddings through a cluster (routed to one instance), through the remote protocol (in-process host over
/// loopback TCP) and through the retry wrapper: the vectors equal a single local engine's.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class ClusterEmbeddingTests
{
    private static readonly FakeTokenizer Tokenizer = new() { VocabSize = 150 };

    private static EmbeddingRequest Request(EmbeddingPooling pooling = EmbeddingPooling.LastToken) => new()
    {
        TokenInputs = [TestEngines.Prompt(1, 21), TestEngines.Prompt(2, 6)],
        Pooling = pooling,
    };

    private static async Task<EmbeddingResult> LocalAsync(EmbeddingRequest request)
    {
        await using LlmEngine engine = CachedEngines.Create(ClusterEngines.Options);
        return await engine.EmbedAsync(request).WaitAsync(TestEngines.Patience);
    }

    private static void AssertSame(EmbeddingResult expected, EmbeddingResult actual)
    {
        Assert.Equal(expected.PromptTokens, actual.PromptTokens);
        Assert.Equal(expected.Embeddings.Count, actual.Embeddings.Count);
        for (int i = 0; i < expected.Embeddings.Count; i++)
        {
            for (int j = 0; j < expected.Embeddings[i].Length; j++)
                Assert.Equal(expected.Embeddings[i][j], actual.Embeddings[i][j], 1e-5f);
        }
    }

    [Theory]
    [InlineData(DisaggregationStrategies.Colocated, InstanceRole.Colocated)]
    [InlineData(DisaggregationStrategies.PdBasic, InstanceRole.Prefill)]
    public async Task A_cluster_routes_the_request_to_one_instance_of_the_right_role(string strategy, InstanceRole role)
    {
        EmbeddingResult expected = await LocalAsync(Request());
        await using LlmCluster cluster = ClusterEngines.Create(strategy, 2);

        EmbeddingResult actual = await cluster.EmbedAsync(Request()).WaitAsync(TestEngines.Patience);

        AssertSame(expected, actual);
        long served = 0;
        foreach (IEngineInstance instance in cluster.Instances)
        {
            EngineStats stats = await TestEngines.IdleAsync(((LocalEngineInstance)instance).Engine);
            if (stats.CompletedRequests > 0) Assert.Equal(role, instance.Role);
            served += stats.CompletedRequests;
        }
        Assert.Equal(2, served);
        Assert.Equal(0, cluster.Router(role).Ledger.InFlight(cluster.Instances[0].Id) + cluster.Router(role).Ledger.InFlight(cluster.Instances[1].Id));
        ClusterEngines.AssertIdleAndConsistent(cluster);
    }

    [Fact]
    public async Task A_cluster_encodes_text_inputs_once_with_the_instances_tokenizer()
    {
        var request = new EmbeddingRequest { Inputs = ["hello", "cluster"], Pooling = EmbeddingPooling.Mean };
        EmbeddingResult expected = await LocalAsync(request);
        await using LlmCluster cluster = ClusterEngines.Create(DisaggregationStrategies.Colocated, 2);

        AssertSame(expected, await cluster.EmbedAsync(request).WaitAsync(TestEngines.Patience));
        await Assert.ThrowsAsync<InvalidRequestException>(() => cluster.EmbedAsync(new EmbeddingRequest { Inputs = ["ok", ""] }));
    }

    [Theory]
    [InlineData(EmbeddingPooling.LastToken)]
    [InlineData(EmbeddingPooling.Mean)]
    public async Task A_remote_engine_embeds_over_the_protocol_like_the_local_engine(EmbeddingPooling pooling)
    {
        EmbeddingResult expected = await LocalAsync(Request(pooling) with { Dimensions = 40 });
        await using LlmEngine served = CachedEngines.Create(ClusterEngines.Options);
        await using EngineHost host = EngineHost.Start(served, new IPEndPoint(IPAddress.Loopback, 0));
        await using RemoteEngine remote = await RemoteEngine.ConnectAsync(host.LocalEndPoint, new RemoteEngineOptions { Tokenizer = Tokenizer });
        await using var retrying = new InstanceFailureRetryEngine(remote);

        EmbeddingResult direct = await remote.EmbedAsync(Request(pooling) with { Dimensions = 40 }).WaitAsync(TestEngines.Patience);
        EmbeddingResult retried = await retrying.EmbedAsync(Request(pooling) with { Dimensions = 40 }).WaitAsync(TestEngines.Patience);

        AssertSame(expected, direct);
        AssertSame(expected, retried);
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => remote.EmbedAsync(new EmbeddingRequest { TokenInputs = [[3, 999]] }));
        Assert.Contains("TokenInputs[0][1]", error.Message);
    }

    [Fact]
    public async Task Cancelling_a_remote_embedding_frees_the_hosts_blocks()
    {
        var (config, weights) = TinyModels.Create("llama", MemServe.Model.DType.F32);
        using InMemoryTensorSource ownedWeights = weights;
        var budget = new MemoryBudget(64L << 20);
        var runner = new GatedRunner(new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1, Budget = budget, MaxBatchTokens = 8, BlockTokens = 4 }));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ =>
        {
            if (runner.ForwardCalls < 1) return;
            entered.Set(); // hold the second step
            gate.Wait();
        };
        await using var served = new LlmEngine(runner, budget, Tokenizer, new LlmEngineOptions { MaxBatchTokens = 8, BlockTokens = 4 }, weights, null);
        var observed = new CancellationObserver(served);
        await using EngineHost host = EngineHost.Start(observed, new IPEndPoint(IPAddress.Loopback, 0));
        await using RemoteEngine remote = await RemoteEngine.ConnectAsync(host.LocalEndPoint,
            new RemoteEngineOptions { Tokenizer = Tokenizer, HealthProbeInterval = Timeout.InfiniteTimeSpan });
        using var cts = new CancellationTokenSource();

        Task<EmbeddingResult> embedding = remote.EmbedAsync(new EmbeddingRequest { TokenInputs = [TestEngines.Prompt(1, 40), TestEngines.Prompt(2, 40)] }, cts.Token);
        Assert.True(entered.Wait(TestEngines.Patience), "the second step never started");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => embedding);
        Assert.True(observed.Cancelled.Wait(TestEngines.Patience), "the host never heard the cancel");
        gate.Set(); // the engine has been told: it ends both inputs at its next step

        EngineStats stats = await TestEngines.IdleAsync(served, s => s.CancelledRequests == 2);
        Assert.Equal(2, stats.CancelledRequests);
        Assert.Equal(0, stats.KvBlocksUsed);
        served.Pool.CheckIntegrity();
    }

    /// <summary>The real runner with a hook at the start of every Forward (to hold a step).</summary>
    private sealed class GatedRunner(CpuModelRunner inner) : IModelRunner
    {
        public Action<ForwardBatch>? OnForward { get; set; }
        public int ForwardCalls { get; private set; }
        public ModelConfig Config => inner.Config;
        public LayerRange Layers => inner.Layers;
        public int MaxBatchTokens => inner.MaxBatchTokens;
        public int MaxBatchSequences => inner.MaxBatchSequences;
        public KvCacheLayout KvLayout => inner.KvLayout;

        public ForwardOutput Forward(ForwardBatch batch, LayerRange layers, HiddenStates? hiddenIn = null)
        {
            OnForward?.Invoke(batch);
            ForwardCalls++;
            return inner.Forward(batch, layers, hiddenIn);
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Hands the host's embeddings to an engine under a token of its own, cancelled (which abandons the inputs
    /// synchronously) before <see cref="Cancelled"/> is set.</summary>
    private sealed class CancellationObserver(ILlmEngine inner) : ILlmEngine
    {
        public ManualResetEventSlim Cancelled { get; } = new();

        public ModelInfo ModelInfo => inner.ModelInfo;

        public MemServe.Tokenization.ITokenizer Tokenizer => inner.Tokenizer;

        public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
        {
            using var own = new CancellationTokenSource();
            using CancellationTokenRegistration forward = cancellationToken.Register(() =>
            {
                own.Cancel();
                Cancelled.Set();
            });
            return await inner.EmbedAsync(request, own.Token);
        }

        public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
            inner.GenerateAsync(request, cancellationToken);

        public Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
            inner.CompleteAsync(request, cancellationToken);

        public EngineStats GetStats() => inner.GetStats();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
