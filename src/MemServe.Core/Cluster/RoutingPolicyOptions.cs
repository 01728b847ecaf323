namespace MemServe.Cluster;

/// <summary>Settings of the built-in routing policies.</summary>
public sealed class RoutingPolicyOptions
{
    /// <summary>Sessions remembered by <see cref="RoutingPolicies.SessionAffinity"/> before its table is cleared.
    /// Default 100,000.</summary>
    public int MaxSessions { get; init; } = 100_000;

    /// <summary>Whether <see cref="RoutingPolicies.PromptTree"/> may propose moving KV between instances (a
    /// cluster whose instances cannot transfer sets false). Default true.</summary>
    public bool AllowKvMoves { get; init; } = true;
}
