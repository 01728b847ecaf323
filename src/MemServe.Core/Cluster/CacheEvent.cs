namespace MemServe.Cluster;

/// <summary>What happened to an instance's cache.</summary>
public enum CacheEventKind
{
    /// <summary>The prefixes became cached (on some tier).</summary>
    Inserted,

    /// <summary>The prefixes are no longer cached on any tier.</summary>
    Evicted,
}

/// <summary>One batch of cache changes of one instance, as chained block hashes (<see cref="BlockHasher"/>), which
/// the global prompt tree of the instance's role indexes directly. Immutable.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Kind">Inserted or evicted.</param>
/// <param name="ChainedHashes">One hash per block; each names a whole prefix.</param>
public sealed record CacheEvent(string InstanceId, CacheEventKind Kind, ulong[] ChainedHashes);
