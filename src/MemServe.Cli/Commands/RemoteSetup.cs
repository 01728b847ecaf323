using System.CommandLine;
using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Engine;

namespace MemServe.Cli.Commands;

/// <summary>The <c>--remote HOST:PORT[,HOST:PORT...]</c> option of engine-backed commands: instead of loading a
/// model, connect to <c>memserve serve-instance</c> processes. One endpoint is used as the engine; several (or any
/// cluster option) form an <see cref="LlmCluster"/> with <see cref="ClusterSetup"/>'s <c>--disaggregation</c> and
/// <c>--routing</c> (each host announces its role; <c>--instances</c> does not apply), wrapped so that a request
/// whose instance dies is retried on another one.</summary>
internal static class RemoteSetup
{
    /// <summary><c>--remote HOST:PORT[,HOST:PORT...]</c>; a given value must name at least one endpoint.</summary>
    public static Option<string?> CreateOption()
    {
        Option<string?> option = CliOptions.Text("--remote", "HOST:PORT,...",
            "Use memserve serve-instance processes instead of a local model; several form a cluster (with --disaggregation, --routing)");
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && RemoteEndpoint.SplitList(text).Count == 0)
                r.AddError("--remote needs at least one HOST:PORT");
        });
        return option;
    }

    /// <summary>The endpoints <paramref name="option"/> names, or null when it is absent.</summary>
    public static IReadOnlyList<string>? Read(ParseResult result, Option<string?> option) =>
        result.GetValue(option) is { } text ? RemoteEndpoint.SplitList(text) : null;

    /// <summary>Connects to every endpoint; an unreachable one fails with <see cref="RemoteInstanceException"/> naming it.</summary>
    public static ILlmEngine Connect(IReadOnlyList<string> endpoints, ClusterSetup cluster)
    {
        var instances = new List<IEngineInstance>();
        try
        {
            foreach (string endpoint in endpoints)
                instances.Add(RemoteEngine.ConnectAsync(endpoint).GetAwaiter().GetResult());
            if (instances.Count == 1 && !cluster.IsCluster) return (RemoteEngine)instances[0];
            var options = new LlmClusterOptions { Disaggregation = cluster.Disaggregation, Routing = cluster.Routing };
            return new InstanceFailureRetryEngine(new LlmCluster(instances, options));
        }
        catch (Exception ex) when (ex is MemServeException or FormatException or ArgumentException)
        {
            foreach (IEngineInstance instance in instances) instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (ex is FormatException or ArgumentException) throw new CliUsageException(ex.Message);
            throw;
        }
    }
}
