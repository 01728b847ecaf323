namespace MemServe.Cluster;

/// <summary>Where a request goes and what the policy predicted.</summary>
/// <param name="Target">The chosen instance.</param>
/// <param name="CachedTokens">Prompt tokens the target is expected to find cached (after any move).</param>
/// <param name="PredictedPrefill">The target's predicted prefill time for this request (after any move).</param>
/// <param name="Move">KV to move to the target first, or null.</param>
public sealed record RoutingDecision(IInstanceView Target, int CachedTokens, TimeSpan PredictedPrefill, KvMovePlan? Move = null);
