using MemServe.Cluster;
using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary>
/// The cluster options of engine-backed commands: <c>--instances N</c> (in-process instances; with a PD strategy
/// half prefill, half decode, at least one of each), <c>--disaggregation NAME</c>, <c>--routing NAME</c> and <c>--kv-transfer aggregated|by-layer</c> (how PD strategies
/// ship the prompt's KV), read by <see cref="ClusterOptions"/>. Without
/// any of them a command runs one plain engine. <see cref="CreateInstances"/> is the one place that turns the
/// options into instances (the hook for remote instances).
/// </summary>
internal sealed class ClusterSetup
{
    public ClusterSetup(int instances, string disaggregation, string routing, bool requested,
        KvTransferMode kvTransfer = KvTransferMode.Aggregated)
    {
        KvTransfer = kvTransfer;
        InstanceCount = instances;
        Disaggregation = disaggregation;
        Routing = routing;
        IsCluster = requested;
    }

    /// <summary>In-process instances.</summary>
    public int InstanceCount { get; }

    /// <summary>Strategy name.</summary>
    public string Disaggregation { get; }

    /// <summary>Routing policy name.</summary>
    public string Routing { get; }

    /// <summary>How PD strategies ship the prompt's KV.</summary>
    public KvTransferMode KvTransfer { get; }

    /// <summary>True when any cluster option was given.</summary>
    public bool IsCluster { get; }

    /// <summary>True when the strategy splits prefill and decode.</summary>
    public bool IsDisaggregated => Disaggregation != DisaggregationStrategies.Colocated;

    /// <summary>A setup for <paramref name="instances"/> colocated instances routed by <paramref name="routing"/>.</summary>
    public static ClusterSetup Colocated(int instances, string routing) =>
        new(instances, DisaggregationStrategies.Colocated, routing, requested: true);

    /// <summary>The role of instance <paramref name="index"/>: with PD, the first half (at least one) prefill and the
    /// rest (at least one) decode.</summary>
    public InstanceRole RoleOf(int index)
    {
        if (!IsDisaggregated) return InstanceRole.Colocated;
        int prefill = Math.Clamp(InstanceCount / 2, 1, InstanceCount - 1);
        return index < prefill ? InstanceRole.Prefill : InstanceRole.Decode;
    }

    /// <summary>Builds the instances: one in-process engine per instance, all over <paramref name="model"/>'s shared
    /// weights (the caller disposes the model after the instances). Remote instances plug in here.</summary>
    public List<IEngineInstance> CreateInstances(EngineSetup engine, LoadedModel model)
    {
        var instances = new List<IEngineInstance>(InstanceCount);
        try
        {
            for (int i = 0; i < InstanceCount; i++)
            {
                InstanceRole role = RoleOf(i);
                string id = $"{role.ToString().ToLowerInvariant()}-{i}";
                // Instances never share a disk tier directory: each gets its own under --cache-dir.
                string? disk = engine.PrefixCache.DiskDirectory is { } dir ? Path.Combine(dir, id) : null;
                LlmEngine created = engine.CreateEngine(model, engine.PrefixCache with { DiskDirectory = disk }, ownsWeights: false);
                instances.Add(new LocalEngineInstance(id, role, created));
            }
            return instances;
        }
        catch
        {
            foreach (IEngineInstance instance in instances) instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>The cluster over <see cref="CreateInstances"/>.</summary>
    public LlmCluster CreateCluster(EngineSetup engine, LoadedModel model) =>
        new(CreateInstances(engine, model), new LlmClusterOptions
        {
            Disaggregation = Disaggregation, Routing = Routing, KvTransferMode = KvTransfer,
        });
}
