using MemServe.Cluster.Remote;
using MemServe.Engine;

namespace MemServe.Cli.Commands;

/// <summary>The <c>--remote HOST:PORT[,HOST:PORT...]</c> option of engine-backed commands: instead of loading a
/// model, connect to <c>memserve serve-instance</c> processes.</summary>
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
    public static ILlmEngine Connect(IReadOnlyList<string> endpoints)
    {
        if (endpoints.Count > 1)
            throw new CliUsageException("--remote with several endpoints needs the cluster (not merged yet); give one HOST:PORT");
        try
        {
            return RemoteEngine.ConnectAsync(endpoints[0]).GetAwaiter().GetResult();
        }
        catch (FormatException ex)
        {
            throw new CliUsageException(ex.Message);
        }
    }
}
