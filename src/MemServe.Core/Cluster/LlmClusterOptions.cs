namespace MemServe.Cluster;

/// <summary>How an <see cref="LlmCluster"/> routes and splits requests. Immutable.</summary>
public sealed record LlmClusterOptions
{
    /// <summary>Disaggregation strategy name (<see cref="DisaggregationStrategies"/>). Default colocated.</summary>
    public string Disaggregation { get; init; } = DisaggregationStrategies.Colocated;

    /// <summary>Routing policy name (<see cref="RoutingPolicies"/>), one policy object per role. Default prompt-tree.</summary>
    public string Routing { get; init; } = RoutingPolicies.PromptTree;

    /// <summary>Settings of the routing policies. Decode routing never proposes KV moves.</summary>
    public RoutingPolicyOptions RoutingOptions { get; init; } = new();

    /// <summary>How the PD strategies move a prompt's KV from the prefill to the decode instance. Default
    /// <see cref="KvTransferMode.Aggregated"/>. <see cref="KvTransferMode.ByLayer"/> needs local instances on both
    /// sides (others fall back to aggregated).</summary>
    public KvTransferMode KvTransferMode { get; init; } = KvTransferMode.Aggregated;

    /// <summary>Layers per frame (and per forward group) in <see cref="KvTransferMode.ByLayer"/> mode. Default 1.</summary>
    public int KvLayersPerFrame { get; init; } = 1;

    /// <summary>Cost-model priors. Default <see cref="CostModelOptions"/>' defaults.</summary>
    public CostModelOptions CostModel { get; init; } = new();

    /// <summary>How long a global prompt-tree entry lives after its last insert event (a safety net for lost
    /// evict events). Default 10 minutes.</summary>
    public TimeSpan TreeEntryTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Breaks routing ties; seed it for reproducible runs. Default: a new unseeded generator.</summary>
    public Random? Random { get; init; }

    /// <summary>Time source for timings and tree expiry. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
