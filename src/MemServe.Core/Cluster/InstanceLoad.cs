namespace MemServe.Cluster;

/// <summary>What an instance last reported about its own load (possibly stale: it travels with health probes
/// or responses). The router adds its own dispatch-time counts (<see cref="DispatchLedger"/>) on top.</summary>
/// <param name="RunningRequests">Requests in the running batch.</param>
/// <param name="WaitingRequests">Requests admitted but not yet scheduled.</param>
/// <param name="QueuedPrefillTokens">Prompt tokens still to prefill across waiting requests (uncached part).</param>
/// <param name="KvUsage">Fraction of KV blocks in use, 0..1.</param>
public readonly record struct InstanceLoad(int RunningRequests, int WaitingRequests, long QueuedPrefillTokens, double KvUsage)
{
    /// <summary>An idle instance.</summary>
    public static InstanceLoad Idle => default;
}
