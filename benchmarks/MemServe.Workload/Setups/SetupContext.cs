using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Workload.Setups;

/// <summary>
/// What every setup shares: the loaded model (weights shared by all engines, owned here) and the sizing of
/// one engine instance. Dispose after every engine built from it.
/// </summary>
internal sealed class SetupContext : IDisposable
{
    /// <summary>Wraps <paramref name="model"/>; <paramref name="engineThreads"/> and
    /// <paramref name="instanceThreads"/> are compute threads of a single engine and of each cluster instance.</summary>
    public SetupContext(LoadedModel model, int engineThreads, int instanceThreads, int instances, long kvBytesPerInstance)
    {
        Model = model;
        EngineThreads = engineThreads;
        InstanceThreads = instanceThreads;
        Instances = instances;
        KvBytesPerInstance = kvBytesPerInstance;
    }

    /// <summary>The model every engine serves.</summary>
    public LoadedModel Model { get; }

    /// <summary>Compute threads of a single engine.</summary>
    public int EngineThreads { get; }

    /// <summary>Compute threads of each cluster instance.</summary>
    public int InstanceThreads { get; }

    /// <summary>Engine instances of a cluster.</summary>
    public int Instances { get; }

    /// <summary>Prefill instances of a prefill/decode cluster; null gives half the instances (at least one).</summary>
    public int? PrefillInstances { get; init; }

    /// <summary>Disaggregation strategy of the routing matrix's clusters. Default colocated.</summary>
    public string RoutingDisaggregation { get; init; } = "colocated";

    /// <summary>Budget above the weights for KV cache and scratch, per engine instance.</summary>
    public long KvBytesPerInstance { get; }

    /// <summary>Options of one engine instance with <paramref name="threads"/> threads and the prefix cache on or off.</summary>
    public LlmEngineOptions EngineOptions(int threads, bool cache) => new()
    {
        MemoryBudgetBytes = Model.Weights.TotalBytes + KvBytesPerInstance,
        Threads = threads,
        PrefixCache = new PrefixCacheOptions { Enabled = cache, PersistOnDispose = false },
    };

    /// <summary>A new engine over the shared weights.</summary>
    public LlmEngine CreateEngine(LlmEngineOptions options) =>
        LlmEngine.Create(Model.Config, Model.Weights, Model.Tokenizer, options);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
