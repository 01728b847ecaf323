using MemServe.Engine;

namespace MemServe.Cluster;

/// <summary>
/// How a cluster runs one request across its instances: all on one colocated instance, or prefill on a prefill
/// instance and decode on a decode instance with one of MemServe's caching levels. Built-ins are created by name
/// through <see cref="DisaggregationStrategies"/>. Implementations are stateless and thread-safe; everything per
/// request is in the <see cref="DisaggregationContext"/>.
/// </summary>
public interface IDisaggregationStrategy
{
    /// <summary>The strategy's name (one of <see cref="DisaggregationStrategies"/> for built-ins).</summary>
    string Name { get; }

    /// <summary>True when the strategy needs prefill and decode instances; false when it needs colocated ones.</summary>
    bool IsDisaggregated { get; }

    /// <summary>Runs the request: routes it through <paramref name="context"/>, streams every update of its output
    /// (the last one final), and records what each instance found cached
    /// (<see cref="DisaggregationContext.RecordInstance"/>). Must release every ticket and every held KV however
    /// the enumeration ends.</summary>
    IAsyncEnumerable<GenerationUpdate> RunAsync(DisaggregationContext context, CancellationToken cancellationToken);
}
