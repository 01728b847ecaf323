using System.Collections.Concurrent;

namespace MemServe.Cluster;

/// <summary>
/// Load as the router itself counts it, at dispatch: a request adds to its instance's in-flight count and
/// predicted outstanding prefill time the moment it is routed, not when the instance next reports. This is
/// what stops a burst from piling onto one instance between reports (the failure reported for SGLang's
/// and vLLM's routers). Thread-safe; each <see cref="DispatchTicket"/> releases its load at most once.
/// </summary>
public sealed class DispatchLedger
{
    private readonly ConcurrentDictionary<string, Counters> _counters = new();

    /// <summary>Counts a request routed to <paramref name="instanceId"/> with <paramref name="predictedPrefill"/> of work.</summary>
    public DispatchTicket Dispatch(string instanceId, TimeSpan predictedPrefill)
    {
        Counters c = _counters.GetOrAdd(instanceId, static _ => new Counters());
        Interlocked.Increment(ref c.InFlight);
        Interlocked.Add(ref c.OutstandingTicks, predictedPrefill.Ticks);
        return new DispatchTicket(this, instanceId, predictedPrefill);
    }

    /// <summary>Requests routed to <paramref name="instanceId"/> and not yet completed.</summary>
    public int InFlight(string instanceId) =>
        _counters.TryGetValue(instanceId, out Counters? c) ? Volatile.Read(ref c.InFlight) : 0;

    /// <summary>Predicted prefill time of requests routed to <paramref name="instanceId"/> whose prefill is not done.</summary>
    public TimeSpan OutstandingPrefill(string instanceId) =>
        _counters.TryGetValue(instanceId, out Counters? c) ? TimeSpan.FromTicks(Interlocked.Read(ref c.OutstandingTicks)) : TimeSpan.Zero;

    internal void ReleasePrefill(string instanceId, TimeSpan predicted)
    {
        if (_counters.TryGetValue(instanceId, out Counters? c)) Interlocked.Add(ref c.OutstandingTicks, -predicted.Ticks);
    }

    internal void ReleaseRequest(string instanceId)
    {
        if (_counters.TryGetValue(instanceId, out Counters? c)) Interlocked.Decrement(ref c.InFlight);
    }

    private sealed class Counters
    {
        public int InFlight;
        public long OutstandingTicks;
    }
}

/// <summary>One routed request's share of a <see cref="DispatchLedger"/>. Thread-safe and idempotent.</summary>
public sealed class DispatchTicket
{
    private readonly DispatchLedger _ledger;
    private int _prefillDone;
    private int _completed;

    internal DispatchTicket(DispatchLedger ledger, string instanceId, TimeSpan predictedPrefill)
    {
        _ledger = ledger;
        InstanceId = instanceId;
        PredictedPrefill = predictedPrefill;
    }

    /// <summary>Where the request went.</summary>
    public string InstanceId { get; }

    /// <summary>The prefill time charged at dispatch.</summary>
    public TimeSpan PredictedPrefill { get; }

    /// <summary>The prefill finished: its predicted time no longer counts as queued work.</summary>
    public void PrefillDone()
    {
        if (Interlocked.Exchange(ref _prefillDone, 1) == 0) _ledger.ReleasePrefill(InstanceId, PredictedPrefill);
    }

    /// <summary>The request finished (or failed): it no longer counts as in flight.</summary>
    public void Complete()
    {
        PrefillDone();
        if (Interlocked.Exchange(ref _completed, 1) == 0) _ledger.ReleaseRequest(InstanceId);
    }
}
