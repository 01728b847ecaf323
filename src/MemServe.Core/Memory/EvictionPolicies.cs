namespace MemServe.Memory;

/// <summary>The built-in eviction policies, by name (<see cref="PrefixCacheOptions.EvictionPolicy"/>).</summary>
public static class EvictionPolicies
{
    /// <summary>Least recently used first (the default).</summary>
    public const string Lru = "lru";

    /// <summary>Least frequently matched first; ties go to the least recently used.</summary>
    public const string Lfu = "lfu";

    /// <summary>Oldest inserted first.</summary>
    public const string Fifo = "fifo";

    /// <summary>The policy named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Lru"/>, <see cref="Lfu"/>, <see cref="Fifo"/>.</exception>
    public static IEvictionPolicy Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            Lru => LruEvictionPolicy.Instance,
            Lfu => LfuEvictionPolicy.Instance,
            Fifo => FifoEvictionPolicy.Instance,
            _ => throw new ArgumentException(
                $"PrefixCacheOptions.EvictionPolicy '{name}' is unknown; use '{Lru}', '{Lfu}' or '{Fifo}'.", nameof(name)),
        };
    }

    private sealed class LruEvictionPolicy : IEvictionPolicy
    {
        public static readonly LruEvictionPolicy Instance = new();
        public long Score(in EvictionCandidate candidate) => candidate.LastAccess;
    }

    private sealed class LfuEvictionPolicy : IEvictionPolicy
    {
        public static readonly LfuEvictionPolicy Instance = new();
        // Hits dominate; the logical clock (< 2^40 in practice) breaks ties.
        public long Score(in EvictionCandidate candidate) => (Math.Min(candidate.Hits, (1L << 22) - 1) << 40) | (candidate.LastAccess & ((1L << 40) - 1));
    }

    private sealed class FifoEvictionPolicy : IEvictionPolicy
    {
        public static readonly FifoEvictionPolicy Instance = new();
        public long Score(in EvictionCandidate candidate) => candidate.InsertedAt;
    }
}
