namespace MemServe.Cluster;

/// <summary>
/// What the global scheduler needs to know about one engine instance to route to it: identity, role,
/// health and last reported load. Local and remote instances implement it; tests use fakes. Implementations
/// must be thread-safe to read (routing reads them from any thread) and cheap (no I/O on a property read).
/// </summary>
public interface IInstanceView
{
    /// <summary>Stable, unique id (the key in prompt trees, ledgers and cost models).</summary>
    string Id { get; }

    /// <summary>The instance's role.</summary>
    InstanceRole Role { get; }

    /// <summary>False while health probes fail; unhealthy instances are never routed to.</summary>
    bool IsHealthy { get; }

    /// <summary>Last load the instance reported.</summary>
    InstanceLoad Load { get; }
}
