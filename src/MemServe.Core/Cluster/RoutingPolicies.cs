namespace MemServe.Cluster;

/// <summary>The built-in <see cref="IRoutingPolicy"/> names and a factory.</summary>
public static class RoutingPolicies
{
    /// <summary>Candidates in turn.</summary>
    public const string RoundRobin = "round-robin";

    /// <summary>Fewest requests in flight (counted at dispatch).</summary>
    public const string LeastLoaded = "least-loaded";

    /// <summary>A session sticks to one instance; new sessions go to the least loaded.</summary>
    public const string SessionAffinity = "session-affinity";

    /// <summary>MemServe's prompt-tree locality with the cost model: least predicted completion time, with
    /// KV moves when they beat recomputation.</summary>
    public const string PromptTree = "prompt-tree";

    /// <summary>Every built-in name.</summary>
    public static IReadOnlyList<string> Names { get; } = [RoundRobin, LeastLoaded, SessionAffinity, PromptTree];

    /// <summary>Creates the built-in policy <paramref name="name"/> (case-insensitive). Each call returns a new
    /// instance with its own state (round-robin turn, session table).</summary>
    public static IRoutingPolicy Create(string name, RoutingPolicyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= new RoutingPolicyOptions();
        return name.ToLowerInvariant() switch
        {
            RoundRobin => new RoundRobinPolicy(),
            LeastLoaded => new LeastLoadedPolicy(),
            SessionAffinity => new SessionAffinityPolicy(options),
            PromptTree => new PromptTreePolicy(options),
            _ => throw new ArgumentException($"Unknown routing policy '{name}'; built-ins are {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
