using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary>What every engine-backed command shares (read from <see cref="EngineOptions"/>): the model folder (null: the
/// embedded default), threads, memory budget, batch size, KV dtype and prefix-cache tiers. Immutable.</summary>
internal sealed class EngineSetup
{
    public EngineSetup(string? modelDirectory, int threads, long? memoryBytes, int? maxBatchTokens)
    {
        ModelDirectory = modelDirectory;
        Threads = threads;
        MemoryBytes = memoryBytes;
        MaxBatchTokens = maxBatchTokens;
    }

    public string? ModelDirectory { get; }
    public int Threads { get; }
    public long? MemoryBytes { get; }
    public int? MaxBatchTokens { get; }

    /// <summary>--kv-dtype f32|bf16: the KV cache's element type; null follows the weights (BF16 for 16-bit weights).</summary>
    public DType? KvCacheDType { get; init; }

    /// <summary>--prefix-cache on|off, --cache-host-mb, --cache-dir, --cache-disk-mb.</summary>
    public PrefixCacheOptions PrefixCache { get; init; } = new();

    /// <summary>
    /// Loads the model and starts an engine that owns its weights. The memory budget defaults to the
    /// weights plus 1 GiB for the KV cache and scratch.
    /// </summary>
    public LlmEngine CreateEngine() => CreateEngine(PrefixCache);

    /// <summary>Like <see cref="CreateEngine()"/>, with <paramref name="prefixCache"/> instead of the command line's cache options.</summary>
    public LlmEngine CreateEngine(PrefixCacheOptions prefixCache)
    {
        LoadedModel model = LoadedModel.Load(ModelDirectory);
        try
        {
            return CreateEngine(model, prefixCache, ownsWeights: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>An engine over <paramref name="model"/>'s weights; with <paramref name="ownsWeights"/> false the caller
    /// disposes the model after the engine (several engines may share it).</summary>
    public LlmEngine CreateEngine(LoadedModel model, PrefixCacheOptions prefixCache, bool ownsWeights)
    {
        var options = new LlmEngineOptions
        {
            MemoryBudgetBytes = MemoryBytes ?? model.Weights.TotalBytes + (1L << 30),
            Threads = Threads,
            OwnsWeights = ownsWeights,
            ModelName = model.Name,
            MaxBatchTokens = MaxBatchTokens ?? new LlmEngineOptions().MaxBatchTokens,
            PrefixCache = prefixCache,
            KvCacheDType = KvCacheDType,
        };
        return LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, options);
    }

    /// <summary>One engine, or the cluster <paramref name="cluster"/> describes; dispose the result to free both the
    /// engines and the model.</summary>
    public ServedEngine CreateServed(ClusterSetup cluster)
    {
        if (!cluster.IsCluster) return new ServedEngine(CreateEngine(), null);
        LoadedModel model = LoadedModel.Load(ModelDirectory);
        try
        {
            return new ServedEngine(cluster.CreateCluster(this, model), model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}

/// <summary>An engine (or cluster) and the model it was built over, disposed together.</summary>
internal sealed class ServedEngine(ILlmEngine engine, IDisposable? model) : IDisposable
{
    public ILlmEngine Engine { get; } = engine;

    public void Dispose()
    {
        Engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        model?.Dispose();
    }
}
