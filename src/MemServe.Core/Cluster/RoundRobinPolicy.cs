namespace MemServe.Cluster;

/// <summary><see cref="RoutingPolicies.RoundRobin"/>: candidates in turn, blind to cache and load.</summary>
internal sealed class RoundRobinPolicy : IRoutingPolicy
{
    private int _next = -1;

    public string Name => RoutingPolicies.RoundRobin;

    public RoutingDecision Route(RoutingContext context)
    {
        int turn = Interlocked.Increment(ref _next) & int.MaxValue;
        return TieBreak.Plain(context, context.Candidates[turn % context.Candidates.Count]);
    }
}
