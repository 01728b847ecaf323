namespace MemServe.Memory;

/// <summary>
/// Settings of the prefix cache (the MemPool's prompt tree and its tiers). Immutable; every default is
/// stated on its property. See docs/prefix-cache.md.
/// </summary>
public sealed record PrefixCacheOptions
{
    /// <summary>Reuse the KV of cached prompt prefixes across requests. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Bytes of DRAM for the host tier, outside the engine's memory budget; 0 disables the tier
    /// (evicted device blocks then go to disk, or are dropped). Default 0.</summary>
    public long HostBytes { get; init; }

    /// <summary>Directory for the disk tier; null disables it. Blocks live in a subdirectory named by the
    /// model fingerprint and are reloaded when an engine starts over the same directory. Default null.</summary>
    public string? DiskDirectory { get; init; }

    /// <summary>Bytes of block files the disk tier may keep. Default 1 GiB.</summary>
    public long DiskBytes { get; init; } = 1L << 30;

    /// <summary>When the engine is disposed, write every cached block not yet on disk to the disk tier
    /// (parents first, within <see cref="DiskBytes"/>), so the next process starts warm. Default true.</summary>
    public bool PersistOnDispose { get; init; } = true;

    /// <summary>Eviction policy name (<see cref="EvictionPolicies"/>). Default <see cref="EvictionPolicies.Lru"/>.</summary>
    public string EvictionPolicy { get; init; } = EvictionPolicies.Lru;

    /// <summary>Identity of the model for the disk tier; null computes <see cref="ModelFingerprint"/>. Default null.</summary>
    public ulong? ModelFingerprint { get; init; }

    internal void Validate()
    {
        if (HostBytes < 0) throw new ArgumentOutOfRangeException(nameof(HostBytes), HostBytes, "PrefixCacheOptions.HostBytes must be 0 or more.");
        if (DiskBytes < 0) throw new ArgumentOutOfRangeException(nameof(DiskBytes), DiskBytes, "PrefixCacheOptions.DiskBytes must be 0 or more.");
        if (DiskDirectory is { } dir && string.IsNullOrWhiteSpace(dir))
            throw new ArgumentException("PrefixCacheOptions.DiskDirectory must be null or a path.", nameof(DiskDirectory));
        EvictionPolicies.Create(EvictionPolicy);
    }
}
