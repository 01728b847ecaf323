using Microsoft.Extensions.Logging;

namespace MemServe.Cluster;

/// <summary>Log messages of the cluster.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning,
        Message = "Cluster: KV transfer from {From} to {To} failed; the target recomputes instead.")]
    public static partial void TransferFailed(ILogger logger, Exception exception, string from, string to);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information,
        Message = "Cluster started: {Instances} instances, disaggregation {Strategy}, routing {Policy}.")]
    public static partial void Started(ILogger logger, int instances, string strategy, string policy);
}
