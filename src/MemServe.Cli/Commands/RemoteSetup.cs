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
    /// <summary>Reads <c>--remote</c> (null when absent; call before <see cref="CliArgs.ThrowIfUnused"/>).</summary>
    public static IReadOnlyList<string>? Read(CliArgs args)
    {
        string? remote = args.Get("remote");
        if (remote is null) return null;
        IReadOnlyList<string> endpoints = RemoteEndpoint.SplitList(remote);
        if (endpoints.Count == 0) throw new CliUsageException("--remote needs at least one HOST:PORT");
        return endpoints;
    }

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
