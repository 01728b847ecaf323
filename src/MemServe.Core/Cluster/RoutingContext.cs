namespace MemServe.Cluster;

/// <summary>
/// Everything a policy may look at for one decision. <see cref="Candidates"/> holds only healthy instances of
/// the right role and is never empty. Built by <see cref="GlobalRouter"/> (or a test) per request; not shared.
/// </summary>
public sealed class RoutingContext
{
    /// <summary>Creates a context.</summary>
    public RoutingContext(RoutingRequest request, IReadOnlyList<IInstanceView> candidates, InstancePrefixMatch match,
        CostModel costs, DispatchLedger ledger, Random random)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0) throw new ArgumentException("at least one candidate is needed", nameof(candidates));
        Request = request;
        Candidates = candidates;
        Match = match;
        Costs = costs;
        Ledger = ledger;
        Random = random;
    }

    /// <summary>The request.</summary>
    public RoutingRequest Request { get; }

    /// <summary>Healthy instances of the role being routed.</summary>
    public IReadOnlyList<IInstanceView> Candidates { get; }

    /// <summary>The global prompt tree's match for the prompt.</summary>
    public InstancePrefixMatch Match { get; }

    /// <summary>Prefill and transfer predictions.</summary>
    public CostModel Costs { get; }

    /// <summary>Dispatch-time load.</summary>
    public DispatchLedger Ledger { get; }

    /// <summary>Tie-breaking randomness (seeded in tests).</summary>
    public Random Random { get; }

    /// <summary>Prompt length.</summary>
    public int PromptTokens => Request.PromptTokens.Length;

    /// <summary>Requests in flight on <paramref name="instance"/>: the larger of what the router dispatched and
    /// what the instance reported (other routers may feed it too).</summary>
    public int InFlight(IInstanceView instance) =>
        Math.Max(Ledger.InFlight(instance.Id), instance.Load.RunningRequests + instance.Load.WaitingRequests);

    /// <summary>Predicted time until <paramref name="instance"/> has prefilled what is queued on it: the larger of
    /// the predictions charged at dispatch and the instance's reported queued prefill tokens.</summary>
    public TimeSpan QueueDrain(IInstanceView instance)
    {
        TimeSpan dispatched = Ledger.OutstandingPrefill(instance.Id);
        long queued = instance.Load.QueuedPrefillTokens;
        TimeSpan reported = queued <= 0 ? TimeSpan.Zero
            : TimeSpan.FromSeconds(queued * Costs.Prefill(instance.Id).Coefficients.SecondsPerToken);
        return dispatched > reported ? dispatched : reported;
    }
}
