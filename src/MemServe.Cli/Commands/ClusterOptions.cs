using System.CommandLine;
using MemServe.Cluster;

namespace MemServe.Cli.Commands;

/// <summary>
/// The cluster options of <c>generate</c>: <c>--instances N</c>, <c>--disaggregation NAME</c>, <c>--routing NAME</c>
/// and <c>--kv-transfer aggregated|by-layer</c>. One instance per command; <see cref="AddTo"/> also adds the check
/// that a PD strategy has at least two instances.
/// </summary>
internal sealed class ClusterOptions
{
    private readonly Option<int?> _instances = CliOptions.Int("--instances",
        "In-process engine instances forming a cluster (with a PD strategy: half prefill, half decode)", min: 1);
    private readonly Option<string?> _disaggregation = CliOptions.OptionalChoice("--disaggregation",
        "How prefill and decode are split across instances [default: colocated]", [.. DisaggregationStrategies.Names]);
    private readonly Option<string?> _routing = CliOptions.OptionalChoice("--routing",
        "How the cluster picks an instance per request [default: prompt-tree]", [.. RoutingPolicies.Names]);
    private readonly Option<string> _kvTransfer = CliOptions.Choice("--kv-transfer",
        "How PD strategies ship the prompt's KV to the decode instance", "aggregated", ["aggregated", "by-layer"]);

    /// <summary>Adds the options and their cross-check to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(_instances);
        command.Add(_disaggregation);
        command.Add(_routing);
        command.Add(_kvTransfer);
        command.Validators.Add(r =>
        {
            string disaggregation = CliOptions.ValueIfValid(r, _disaggregation) ?? DisaggregationStrategies.Colocated;
            if (disaggregation != DisaggregationStrategies.Colocated && CliOptions.ValueIfValid(r, _instances) is < 2)
                r.AddError($"--instances must be at least 2 with --disaggregation {disaggregation}");
        });
    }

    /// <summary>The cluster setup the command line describes (<see cref="ClusterSetup.IsCluster"/> false when no cluster option was given).</summary>
    public ClusterSetup Read(ParseResult result)
    {
        int? instances = result.GetValue(_instances);
        string? disaggregation = result.GetValue(_disaggregation);
        string? routing = result.GetValue(_routing);
        KvTransferMode kvTransfer = result.GetValue(_kvTransfer) == "by-layer" ? KvTransferMode.ByLayer : KvTransferMode.Aggregated;
        disaggregation ??= DisaggregationStrategies.Colocated;
        int minimum = disaggregation == DisaggregationStrategies.Colocated ? 1 : 2;
        bool requested = instances is not null || result.GetValue(_disaggregation) is not null || routing is not null;
        return new ClusterSetup(instances ?? minimum, disaggregation, routing ?? RoutingPolicies.PromptTree, requested, kvTransfer);
    }
}
