using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Extensions;

/// <summary>
/// Settings of one hosted MemServe engine, bound from the <c>MemServe</c> configuration section (or
/// <c>MemServe:&lt;key&gt;</c> for a keyed engine) and validated when the host starts. A null engine
/// setting keeps the <see cref="LlmEngineOptions"/> default; every other engine option is reachable
/// through <c>IMemServeBuilder.ConfigureEngine</c>.
/// </summary>
public sealed class MemServeOptions
{
    /// <summary>The configuration section <c>AddMemServe</c> conventionally binds.</summary>
    public const string SectionName = "MemServe";

    /// <summary>A Hugging Face model folder (config.json, safetensors, tokenizer.json, tokenizer_config.json).
    /// <value>The default is null: the embedded default model.</value></summary>
    public string? ModelPath { get; set; }

    /// <summary>The model name reported by the engine, <c>/v1/models</c> and chat responses, and matched
    /// against the <c>model</c> field of OpenAI requests.
    /// <value>The default is null: the folder's name, or <c>memserve-default</c>.</value></summary>
    public string? ModelName { get; set; }

    /// <summary>Bytes for weights, scratch and KV cache together. Set this or <see cref="MemoryBudgetMegabytes"/>.
    /// <value>The default is null: the weights plus 1 GiB.</value></summary>
    public long? MemoryBudgetBytes { get; set; }

    /// <summary>The memory budget in MiB (2^20 bytes). Set this or <see cref="MemoryBudgetBytes"/>.
    /// <value>The default is null: the weights plus 1 GiB.</value></summary>
    public long? MemoryBudgetMegabytes { get; set; }

    /// <summary>Compute threads; 0 uses one per core. <value>The default is null (0).</value></summary>
    public int? Threads { get; set; }

    /// <summary>Most tokens run through the model per step. <value>The default is null (the engine's 512).</value></summary>
    public int? MaxBatchTokens { get; set; }

    /// <summary>Most requests holding KV blocks at once. <value>The default is null (the engine's 64).</value></summary>
    public int? MaxRunningSequences { get; set; }

    /// <summary>Requests that may wait for admission; the OpenAI endpoints answer 503 when it is full.
    /// <value>The default is null (the engine's 1024).</value></summary>
    public int? AdmissionQueueCapacity { get; set; }

    /// <summary>Tokens per KV block. <value>The default is null (the engine's 16).</value></summary>
    public int? BlockTokens { get; set; }

    /// <summary>Element type of the KV cache, <c>F32</c> or <c>BF16</c> (twice the tokens in the same budget; see
    /// <see cref="LlmEngineOptions.KvCacheDType"/>). <value>The default is null: BF16 for 16-bit weights, F32 for F32 weights.</value></summary>
    public DType? KvCacheDType { get; set; }

    /// <summary>Repack weight matrices at load into the layout the kernels read fastest (see
    /// <see cref="LlmEngineOptions.PackWeights"/>). <value>The default is null (true).</value></summary>
    public bool? PackWeights { get; set; }

    /// <summary>Caps the KV pool. <value>The default is null: sized from the budget.</value></summary>
    public int? MaxKvBlocks { get; set; }

    /// <summary>Caps the context below the model's. <value>The default is null: the model's context.</value></summary>
    public int? MaxContextTokens { get; set; }

    /// <summary>Pooling of embedding requests that do not choose one (<see cref="LlmEngineOptions.EmbeddingPooling"/>).
    /// <value>The default is null (<see cref="EmbeddingPooling.LastToken"/>).</value></summary>
    public EmbeddingPooling? EmbeddingPooling { get; set; }

    /// <summary>Load the model in the background so the host starts at once (health reports Unhealthy and
    /// requests wait until it is ready); false makes host start wait for the model and fail when it
    /// cannot load. <value>The default is false.</value></summary>
    public bool LoadInBackground { get; set; }

    /// <summary>Seconds sent in <c>Retry-After</c> with a 503 when the admission queue is full.
    /// <value>The default is 1.</value></summary>
    public int OverloadRetryAfterSeconds { get; set; } = 1;

    /// <summary>Prefix-cache settings (<c>MemServe:PrefixCache</c>). <value>The default caches in device memory only.</value></summary>
    public MemServePrefixCacheOptions PrefixCache { get; set; } = new();

    /// <summary>Cluster settings (<c>MemServe:Cluster</c>). <value>The default is a single engine.</value></summary>
    public MemServeClusterOptions Cluster { get; set; } = new();

    /// <summary>Transforms applied in order to the engine options built from the settings above.</summary>
    internal List<Func<LlmEngineOptions, LlmEngineOptions>> EngineConfigurators { get; } = [];

    /// <summary>Transforms applied in order to the cluster options built from <see cref="Cluster"/>.</summary>
    internal List<Func<MemServe.Cluster.LlmClusterOptions, MemServe.Cluster.LlmClusterOptions>> ClusterConfigurators { get; } = [];

    /// <summary>Transforms applied in order to the connection options of every remote instance.</summary>
    internal List<Func<MemServe.Cluster.Remote.RemoteEngineOptions, MemServe.Cluster.Remote.RemoteEngineOptions>> RemoteConfigurators { get; } = [];

    /// <summary>The KV transport between in-process instances; null is the in-process adapter.</summary>
    internal MemServe.Cluster.KvLinkFactory? KvLinks { get; set; }

    /// <summary>The cluster options: <see cref="Cluster"/>'s names, then every <c>ConfigureCluster</c> callback.</summary>
    internal MemServe.Cluster.LlmClusterOptions ToClusterOptions(TimeProvider timeProvider)
    {
        MemServe.Cluster.LlmClusterOptions options = Cluster.ToClusterOptions(timeProvider);
        foreach (var configure in ClusterConfigurators)
        {
            options = configure(options) ?? throw new InvalidOperationException("A ConfigureCluster callback returned null.");
        }
        return options;
    }

    /// <summary>The connection options of every remote instance (TCP transport, timeouts, health probes).</summary>
    internal MemServe.Cluster.Remote.RemoteEngineOptions ToRemoteOptions()
    {
        var options = new MemServe.Cluster.Remote.RemoteEngineOptions();
        foreach (var configure in RemoteConfigurators)
        {
            options = configure(options) ?? throw new InvalidOperationException("A ConfigureRemoteInstances callback returned null.");
        }
        return options;
    }

    /// <summary>The engine options these settings describe, for a model whose weights take
    /// <paramref name="weightBytes"/>; the caller sets ownership. <paramref name="instanceId"/> names a cluster
    /// instance's own disk-tier subfolder.</summary>
    internal LlmEngineOptions ToEngineOptions(long weightBytes, string defaultModelName, TimeProvider timeProvider, string? instanceId = null)
    {
        var defaults = new LlmEngineOptions();
        long budget = MemoryBudgetBytes ?? (MemoryBudgetMegabytes is { } mb ? mb << 20 : weightBytes + (1L << 30));
        LlmEngineOptions options = defaults with
        {
            MemoryBudgetBytes = budget,
            Threads = Threads ?? defaults.Threads,
            MaxBatchTokens = MaxBatchTokens ?? defaults.MaxBatchTokens,
            MaxRunningSequences = MaxRunningSequences ?? defaults.MaxRunningSequences,
            AdmissionQueueCapacity = AdmissionQueueCapacity ?? defaults.AdmissionQueueCapacity,
            BlockTokens = BlockTokens ?? defaults.BlockTokens,
            KvCacheDType = KvCacheDType ?? defaults.KvCacheDType,
            PackWeights = PackWeights ?? defaults.PackWeights,
            MaxKvBlocks = MaxKvBlocks,
            MaxContextTokens = MaxContextTokens,
            EmbeddingPooling = EmbeddingPooling ?? defaults.EmbeddingPooling,
            ModelName = string.IsNullOrEmpty(ModelName) ? defaultModelName : ModelName,
            TimeProvider = timeProvider,
            PrefixCache = PrefixCache.ToPrefixCacheOptions(instanceId),
        };
        foreach (Func<LlmEngineOptions, LlmEngineOptions> configure in EngineConfigurators)
        {
            options = configure(options) ?? throw new InvalidOperationException("A ConfigureEngine callback returned null.");
        }
        return options;
    }
}
