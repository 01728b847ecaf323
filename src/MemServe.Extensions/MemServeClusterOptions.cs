using MemServe.Cluster;

namespace MemServe.Extensions;

/// <summary>
/// Cluster settings of a registration (<c>MemServe:Cluster</c>). With <see cref="Instances"/> of 2 or more, or
/// any <see cref="RemoteEndpoints"/>, the registration creates an <see cref="LlmCluster"/> instead of one engine;
/// it is an <c>ILlmEngine</c>, so the chat client, endpoints, health checks and metrics use it unchanged.
/// Set in-process instances or remote endpoints, not both.
/// </summary>
public sealed class MemServeClusterOptions
{
    /// <summary>In-process instances sharing one copy of the weights; 0 or 1 runs a single engine. With a PD
    /// strategy the first half (at least one) prefill and the rest decode. <value>The default is 0.</value></summary>
    public int Instances { get; set; }

    /// <summary>A name from <see cref="DisaggregationStrategies"/> (case-insensitive); PD strategies need at
    /// least 2 instances or endpoints. <value>The default is null: colocated.</value></summary>
    public string? Disaggregation { get; set; }

    /// <summary>A name from <see cref="RoutingPolicies"/> (case-insensitive); only for a cluster.
    /// <value>The default is null: prompt-tree.</value></summary>
    public string? Routing { get; set; }

    /// <summary><c>HOST:PORT</c> of <c>memserve serve-instance</c> processes to connect to instead of loading a
    /// model here; each host announces its role. <value>The default is empty.</value></summary>
    public List<string> RemoteEndpoints { get; set; } = [];

    /// <summary>Retry a request on another instance when its instance fails before the first token.
    /// <value>The default is true.</value></summary>
    public bool RetryOnInstanceFailure { get; set; } = true;

    /// <summary>True when these settings describe a cluster rather than one engine.</summary>
    public bool IsCluster => Instances >= 2 || RemoteEndpoints.Count > 0;

    /// <summary>The strategy name, lower-cased, colocated when unset.</summary>
    internal string DisaggregationName => Disaggregation?.ToLowerInvariant() ?? DisaggregationStrategies.Colocated;

    /// <summary>True when the strategy splits prefill and decode.</summary>
    internal bool IsDisaggregated => DisaggregationName != DisaggregationStrategies.Colocated;

    /// <summary>The cluster options these settings describe.</summary>
    internal LlmClusterOptions ToClusterOptions(TimeProvider timeProvider) => new()
    {
        Disaggregation = DisaggregationName,
        Routing = Routing?.ToLowerInvariant() ?? RoutingPolicies.PromptTree,
        TimeProvider = timeProvider,
    };

    /// <summary>The role of in-process instance <paramref name="index"/>: colocated, or with PD the first half
    /// (at least one) prefill and the rest (at least one) decode.</summary>
    internal InstanceRole RoleOf(int index)
    {
        if (!IsDisaggregated) return InstanceRole.Colocated;
        int prefill = Math.Clamp(Instances / 2, 1, Instances - 1);
        return index < prefill ? InstanceRole.Prefill : InstanceRole.Decode;
    }
}
