namespace MemServe.Extensions;

/// <summary>When <c>AddMemServeHealthCheck</c> reports an engine as degraded.</summary>
public sealed class MemServeHealthCheckOptions
{
    /// <summary>Degraded when at least this many requests wait for admission.
    /// <value>The default is 32.</value></summary>
    public int DegradedWaitingRequests { get; set; } = 32;

    /// <summary>Degraded when at least this fraction of KV blocks is in use (0 to 1).
    /// <value>The default is 0.95.</value></summary>
    public double DegradedKvUsage { get; set; } = 0.95;
}
