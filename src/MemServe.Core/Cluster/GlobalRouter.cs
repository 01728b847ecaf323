namespace MemServe.Cluster;

/// <summary>
/// Routes requests of one role: matches the prompt against that role's <see cref="GlobalPromptTree"/>, asks
/// the <see cref="IRoutingPolicy"/>, and counts the request in the <see cref="DispatchLedger"/> in the same
/// step, so two concurrent requests never both see the same idle instance. The caller reports the measured
/// prefill (which calibrates the cost model) and the completion (which releases the load). Thread-safe:
/// decisions are serialized (they take microseconds).
/// </summary>
public sealed class GlobalRouter
{
    private readonly object _lock = new();
    private readonly Random _random;

    /// <summary>Creates a router; <paramref name="random"/> breaks ties (seed it for reproducible runs).</summary>
    public GlobalRouter(IRoutingPolicy policy, GlobalPromptTree tree, CostModel? costs = null, DispatchLedger? ledger = null,
        Random? random = null)
    {
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        Tree = tree ?? throw new ArgumentNullException(nameof(tree));
        Costs = costs ?? new CostModel();
        Ledger = ledger ?? new DispatchLedger();
        _random = random ?? new Random();
    }

    /// <summary>The policy.</summary>
    public IRoutingPolicy Policy { get; }

    /// <summary>The role's prompt tree.</summary>
    public GlobalPromptTree Tree { get; }

    /// <summary>The cost model.</summary>
    public CostModel Costs { get; }

    /// <summary>Dispatch-time load.</summary>
    public DispatchLedger Ledger { get; }

    /// <summary>Routes <paramref name="request"/> among the healthy instances of <see cref="GlobalPromptTree.Role"/>
    /// in <paramref name="instances"/> and counts it on the target. Throws <see cref="InvalidOperationException"/>
    /// when there is none.</summary>
    public RoutedRequest Route(RoutingRequest request, IReadOnlyList<IInstanceView> instances)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(instances);
        var candidates = new List<IInstanceView>(instances.Count);
        foreach (IInstanceView instance in instances)
            if (instance.IsHealthy && instance.Role == Tree.Role) candidates.Add(instance);
        if (candidates.Count == 0)
            throw new InvalidOperationException($"No healthy {Tree.Role} instance to route to ({instances.Count} known).");
        InstancePrefixMatch match = Tree.Match(request.PromptTokens.Span);
        lock (_lock)
        {
            RoutingDecision decision = Policy.Route(new RoutingContext(request, candidates, match, Costs, Ledger, _random));
            TimeSpan charged = decision.PredictedPrefill + (decision.Move?.TransferTime ?? TimeSpan.Zero);
            return new RoutedRequest(decision, Ledger.Dispatch(decision.Target.Id, charged), request.PromptTokens.Length);
        }
    }

    /// <summary>The prefill of <paramref name="routed"/> finished in <paramref name="measured"/>: calibrates the
    /// target's prefill model and releases the predicted work.</summary>
    public void PrefillDone(RoutedRequest routed, TimeSpan measured)
    {
        ArgumentNullException.ThrowIfNull(routed);
        int cached = routed.Decision.CachedTokens;
        Costs.Prefill(routed.Decision.Target.Id).Observe(routed.PromptTokens - cached, cached, measured);
        routed.Ticket.PrefillDone();
    }

    /// <summary>The request finished or failed: releases its load.</summary>
    public void Completed(RoutedRequest routed)
    {
        ArgumentNullException.ThrowIfNull(routed);
        routed.Ticket.Complete();
    }
}

/// <summary>A routed request: the decision and its share of the load.</summary>
/// <param name="Decision">Where it went and why.</param>
/// <param name="Ticket">Its load in the ledger.</param>
/// <param name="PromptTokens">Prompt length.</param>
public sealed record RoutedRequest(RoutingDecision Decision, DispatchTicket Ticket, int PromptTokens);
