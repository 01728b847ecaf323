namespace MemServe.Cluster;

/// <summary><see cref="RoutingPolicies.LeastLoaded"/>: fewest requests in flight (counted at dispatch), random
/// among equals; blind to cache.</summary>
internal sealed class LeastLoadedPolicy : IRoutingPolicy
{
    public string Name => RoutingPolicies.LeastLoaded;

    public RoutingDecision Route(RoutingContext context) => TieBreak.Plain(context, TieBreak.LeastLoaded(context));
}
