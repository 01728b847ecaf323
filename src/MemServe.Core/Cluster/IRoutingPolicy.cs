namespace MemServe.Cluster;

/// <summary>
/// Picks the instance for a request. Built-ins are created by name through <see cref="RoutingPolicies"/>.
/// A policy only decides; the <see cref="GlobalRouter"/> counts the load at dispatch. Implementations must
/// be thread-safe (routes run concurrently) and must return one of <see cref="RoutingContext.Candidates"/>.
/// </summary>
public interface IRoutingPolicy
{
    /// <summary>The policy's name (one of <see cref="RoutingPolicies"/> for built-ins).</summary>
    string Name { get; }

    /// <summary>Chooses where the request goes.</summary>
    RoutingDecision Route(RoutingContext context);
}
