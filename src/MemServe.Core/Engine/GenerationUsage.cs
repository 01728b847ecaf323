namespace MemServe.Engine;

/// <summary>Token counts of one request.</summary>
/// <param name="PromptTokens">Tokens in the prompt.</param>
/// <param name="CachedPromptTokens">Prompt tokens whose KV came from the prefix cache instead of being computed
/// (in a cluster: on the instance that ran the prefill).</param>
/// <param name="OutputTokens">Tokens generated (a final stop token included).</param>
public sealed record GenerationUsage(int PromptTokens, int CachedPromptTokens, int OutputTokens)
{
    /// <summary>In a cluster, each instance that served the request with what it found cached; empty from a
    /// single engine.</summary>
    public IReadOnlyList<InstanceUsage> Instances { get; init; } = [];
}

/// <summary>What one cluster instance contributed to a request.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Role">What it did: "colocated", "prefill" or "decode".</param>
/// <param name="CachedPromptTokens">Prompt tokens it already held: reused instead of computed (colocated, prefill)
/// or kept instead of received (decode).</param>
public sealed record InstanceUsage(string InstanceId, string Role, int CachedPromptTokens);
