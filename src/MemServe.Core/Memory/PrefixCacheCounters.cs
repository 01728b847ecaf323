namespace MemServe.Memory;

/// <summary>Running totals of one prefix cache. The engine thread increments; any thread reads.</summary>
public sealed class PrefixCacheCounters
{
    private long _lookups;
    private long _lookupTokens;
    private long _hitTokens;
    private long _evictions;
    private long _swapIns;
    private long _swapOuts;
    private long _dropped;

    /// <summary>Prompts looked up (one per request, at its first admission).</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    /// <summary>Prompt tokens of those lookups.</summary>
    public long LookupTokens => Interlocked.Read(ref _lookupTokens);

    /// <summary>Prompt tokens served from the cache instead of being computed.</summary>
    public long HitTokens => Interlocked.Read(ref _hitTokens);

    /// <summary>Cached blocks evicted from a tier (demoted to the next one, or dropped at the last).</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Blocks copied up to the device tier from host or disk.</summary>
    public long SwapIns => Interlocked.Read(ref _swapIns);

    /// <summary>Blocks copied down to the host or disk tier.</summary>
    public long SwapOuts => Interlocked.Read(ref _swapOuts);

    /// <summary>Cached blocks that left the tree entirely.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal void OnLookup(int promptTokens, int hitTokens)
    {
        Interlocked.Increment(ref _lookups);
        Interlocked.Add(ref _lookupTokens, promptTokens);
        Interlocked.Add(ref _hitTokens, hitTokens);
    }

    internal void OnEviction() => Interlocked.Increment(ref _evictions);
    internal void OnSwapIn() => Interlocked.Increment(ref _swapIns);
    internal void OnSwapOut() => Interlocked.Increment(ref _swapOuts);
    internal void OnDropped() => Interlocked.Increment(ref _dropped);
}
