using MemServe.Memory;

namespace MemServe.Extensions;

/// <summary>
/// Prefix-cache settings of a hosted engine (<c>MemServe:PrefixCache</c>), turned into the engine's
/// <see cref="PrefixCacheOptions"/>. In a cluster every in-process instance gets them, each with its own
/// disk-tier subfolder named by the instance id. Remote instances keep their own settings.
/// </summary>
public sealed class MemServePrefixCacheOptions
{
    /// <summary>Reuse the KV of cached prompt prefixes across requests. <value>The default is true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>MiB of DRAM for the host tier (outside the memory budget); 0 disables the tier.
    /// <value>The default is 0.</value></summary>
    public long HostMegabytes { get; set; }

    /// <summary>Folder for the disk tier; null disables it. <value>The default is null.</value></summary>
    public string? DiskDirectory { get; set; }

    /// <summary>MiB of block files the disk tier may keep. <value>The default is 1024.</value></summary>
    public long DiskMegabytes { get; set; } = 1024;

    /// <summary>Write cached blocks to the disk tier when the engine is disposed. <value>The default is true.</value></summary>
    public bool PersistOnDispose { get; set; } = true;

    /// <summary>A name from <see cref="EvictionPolicies"/> (lru, lfu, fifo; case-insensitive).
    /// <value>The default is lru.</value></summary>
    public string EvictionPolicy { get; set; } = EvictionPolicies.Lru;

    /// <summary>The engine's prefix-cache options; <paramref name="diskSubfolder"/>, when given, is appended
    /// to <see cref="DiskDirectory"/> so instances never share a disk tier.</summary>
    internal PrefixCacheOptions ToPrefixCacheOptions(string? diskSubfolder = null) => new()
    {
        Enabled = Enabled,
        HostBytes = HostMegabytes << 20,
        DiskDirectory = DiskDirectory is { } dir && diskSubfolder is not null ? Path.Combine(dir, diskSubfolder) : DiskDirectory,
        DiskBytes = DiskMegabytes << 20,
        PersistOnDispose = PersistOnDispose,
        EvictionPolicy = EvictionPolicy.ToLowerInvariant(),
    };
}
