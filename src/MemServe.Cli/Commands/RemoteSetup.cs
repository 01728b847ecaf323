using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Engine;

namespace MemServe.Cli.Commands;

/// <summary>The <c>--remote HOST:PORT[,HOST:PORT...]</c> option of engine-backed commands: instead of loading a
/// model, connect to <c>memserve serve-instance</c> processes. One endpoint is used as the engine; several form an
/// <see cref="LlmCluster"/> (with <c>--disaggregation</c> and <c>--routing</c>), wrapped so that a request whose
/// instance dies is retried on another one.</summary>
internal static class RemoteSetup
{
    /// <summary>What <c>--remote</c> asked for.</summary>
    public sealed record Plan(IReadOnlyList<string> Endpoints, string Disaggregation, string Routing);

    /// <summary>Reads <c>--remote</c> (null when absent; call before <see cref="CliArgs.ThrowIfUnused"/>).</summary>
    public static Plan? Read(CliArgs args)
    {
        string? remote = args.Get("remote");
        if (remote is null) return null;
        IReadOnlyList<string> endpoints = RemoteEndpoint.SplitList(remote);
        if (endpoints.Count == 0) throw new CliUsageException("--remote needs at least one HOST:PORT");
        return new Plan(endpoints, args.Get("disaggregation") ?? DisaggregationStrategies.Colocated,
            args.Get("routing") ?? RoutingPolicies.PromptTree);
    }

    /// <summary>Connects to every endpoint; an unreachable one fails with <see cref="RemoteInstanceException"/> naming it.</summary>
    public static ILlmEngine Connect(Plan plan)
    {
        var instances = new List<IEngineInstance>();
        try
        {
            foreach (string endpoint in plan.Endpoints)
                instances.Add(RemoteEngine.ConnectAsync(endpoint).GetAwaiter().GetResult());
            if (instances.Count == 1 && plan.Disaggregation == DisaggregationStrategies.Colocated) return (RemoteEngine)instances[0];
            var cluster = new LlmCluster(instances, new LlmClusterOptions { Disaggregation = plan.Disaggregation, Routing = plan.Routing });
            return new InstanceFailureRetryEngine(cluster);
        }
        catch (Exception ex) when (ex is MemServeException or FormatException or ArgumentException)
        {
            foreach (IEngineInstance instance in instances) instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (ex is FormatException or ArgumentException) throw new CliUsageException(ex.Message);
            throw;
        }
    }
}
