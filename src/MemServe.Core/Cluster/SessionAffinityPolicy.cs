using System.Collections.Concurrent;

namespace MemServe.Cluster;

/// <summary>
/// <see cref="RoutingPolicies.SessionAffinity"/>: a session sticks to the instance its first request went to
/// (reuse within a session, none across sessions); a new session, a request without a session id, or a
/// session whose instance is no longer a healthy candidate goes to the least loaded instance. The session
/// table holds at most <see cref="RoutingPolicyOptions.MaxSessions"/> entries and is cleared when full
/// (sessions then re-stick on their next request).
/// </summary>
internal sealed class SessionAffinityPolicy(RoutingPolicyOptions options) : IRoutingPolicy
{
    private readonly ConcurrentDictionary<string, string> _sessions = new();

    public string Name => RoutingPolicies.SessionAffinity;

    public RoutingDecision Route(RoutingContext context)
    {
        string? session = context.Request.SessionId;
        if (session is null) return TieBreak.Plain(context, TieBreak.LeastLoaded(context));
        if (_sessions.TryGetValue(session, out string? stuck))
        {
            foreach (IInstanceView candidate in context.Candidates)
                if (candidate.Id == stuck) return TieBreak.Plain(context, candidate);
        }
        IInstanceView target = TieBreak.LeastLoaded(context);
        if (_sessions.Count >= options.MaxSessions) _sessions.Clear();
        _sessions[session] = target.Id;
        return TieBreak.Plain(context, target);
    }
}
