using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemServe.Memory;

/// <summary>
/// The MemPool of one engine (<see cref="IMemPool"/>): the device <see cref="KvBlockPool"/> the engine's
/// attention reads, an optional host tier and an optional disk tier, indexed by a <see cref="PromptTree"/>.
/// The tree holds one pool reference on each device block it caches; a running request that shares a
/// cached block holds another and pins the block's node. On construction with a disk tier it rebuilds the
/// tree from the block files of the same model fingerprint; <see cref="Dispose"/> can persist the rest.
/// </summary>
/// <remarks>Engine thread only, except <see cref="Counters"/>, <see cref="DeviceCachedBlocks"/>,
/// <see cref="HostBlocks"/> and <see cref="DiskBlocks"/>, which any thread may read as snapshots.</remarks>
public sealed class MemPool : IMemPool, IDisposable
{
    private readonly KvBlockPool _device;
    private readonly PromptTree _tree;
    private readonly HostBlockStore? _host;
    private readonly DiskBlockStore? _disk;
    private readonly CacheTiers _tiers;
    private readonly PrefixCacheOptions _options;
    private readonly ILogger _logger;
    private IPromptTreeObserver? _observer;
    private bool _disposed;

    /// <summary>Creates the pool over <paramref name="device"/> (whose storage the caller owns and disposes
    /// after this pool), reloading the disk tier when <see cref="PrefixCacheOptions.DiskDirectory"/> is set.</summary>
    /// <param name="device">The device blocks.</param>
    /// <param name="options">Tiers and eviction.</param>
    /// <param name="fingerprint">The model's identity for the disk tier (<see cref="ModelFingerprint"/>).</param>
    /// <param name="logger">Receives warnings about dropped disk files; null for none.</param>
    public MemPool(KvBlockPool device, PrefixCacheOptions options, ulong fingerprint, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _device = device;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        KvCacheLayout layout = device.Storage.Layout;
        _tree = new PromptTree(layout.BlockTokens);
        if (options.HostBytes >= layout.BlockBytes) _host = new HostBlockStore(layout, options.HostBytes);
        if (options.DiskDirectory is { } directory) _disk = new DiskBlockStore(directory, fingerprint, options.DiskBytes, layout, _logger);
        _tiers = new CacheTiers(_tree, device, _host, _disk, EvictionPolicies.Create(options.EvictionPolicy), Counters);
        if (_disk is not null) Reload();
    }

    /// <inheritdoc />
    public int BlockTokens => _tree.BlockTokens;

    /// <inheritdoc />
    public PrefixCacheCounters Counters { get; } = new();

    /// <summary>The device pool.</summary>
    public KvBlockPool Device => _device;

    /// <summary>Device blocks that hold only cached prefixes (no running request uses them): evictable.</summary>
    public int DeviceCachedBlocks => _tree.EvictableDeviceCount;

    /// <summary>Blocks on the host tier.</summary>
    public int HostBlocks => _host?.UsedCount ?? 0;

    /// <summary>Block files on the disk tier.</summary>
    public int DiskBlocks => _disk?.Count ?? 0;

    /// <summary>Blocks (nodes) in the prompt tree.</summary>
    public int CachedBlocks => _tree.NodeCount;

    /// <summary>The disk tier's directory for this model, or null.</summary>
    public string? DiskDirectory => _disk?.Directory;

    internal PromptTree Tree => _tree;

    /// <summary>Hears every prefix the tree gains or loses from now on (the cluster's insert/evict events); set
    /// once, on the engine thread. Setting it first reports everything already cached (e.g. reloaded from disk)
    /// as inserted.</summary>
    public IPromptTreeObserver? Observer
    {
        get => _observer;
        set
        {
            if (_observer is not null) throw new InvalidOperationException("MemPool: the observer is set once.");
            _observer = value ?? throw new ArgumentNullException(nameof(value));
            _tree.RecordEvents = true;
            if (_tree.NodeCount == 0) return;
            var all = new List<ulong>(_tree.NodeCount);
            foreach (PromptTreeNode node in _tree.Nodes) all.Add(node.GlobalHash);
            value.OnInserted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
        }
    }

    /// <inheritdoc />
    public bool TryAllocate(MemoryTier tier, Span<int> blocks)
    {
        switch (tier)
        {
            case MemoryTier.Device:
                bool room = _tiers.EnsureDeviceFree(blocks.Length);
                FlushEvents();
                if (!room) return false;
                for (int i = 0; i < blocks.Length; i++) blocks[i] = _device.Allocate();
                return true;
            case MemoryTier.Host:
                if (_host is null || _host.Capacity - _host.UsedCount < blocks.Length) return false;
                for (int i = 0; i < blocks.Length; i++) _host.TryAllocate(out blocks[i]);
                return true;
            default:
                throw new NotSupportedException("MemPool: disk blocks are only written by demotion, not allocated.");
        }
    }

    /// <inheritdoc />
    public void Free(MemoryTier tier, ReadOnlySpan<int> blocks)
    {
        foreach (int block in blocks)
        {
            if (tier == MemoryTier.Device) _device.Release(block);
            else if (tier == MemoryTier.Host && _host is not null) _host.Free(block);
            else throw new NotSupportedException($"MemPool: cannot free blocks of tier {tier}.");
        }
    }

    /// <inheritdoc />
    public int SwapOut(int blockCount)
    {
        int freed = _tiers.EvictDevice(blockCount);
        FlushEvents();
        return freed;
    }

    /// <summary>Evicts unpinned cached device blocks until <paramref name="blocks"/> are free; false when impossible.</summary>
    internal bool EnsureDeviceFree(int blocks)
    {
        bool room = _tiers.EnsureDeviceFree(blocks);
        FlushEvents();
        return room;
    }

    /// <summary>Hands recorded tree changes to the <see cref="Observer"/>.</summary>
    private void FlushEvents()
    {
        if (_observer is not null) _tree.DrainEvents(_observer);
    }

    /// <inheritdoc />
    public bool SwapIn(PrefixMatch match)
    {
        bool done = SwapInCore(match);
        FlushEvents();
        return done;
    }

    private bool SwapInCore(PrefixMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        List<PromptTreeNode> path = match.Path;
        for (int i = 0; i < path.Count; i++)
        {
            PromptTreeNode node = path[i];
            if (node.DeviceBlock >= 0) continue;
            bool fromDisk = node.HostBlock < 0;
            if (_tiers.SwapIn(node)) continue;
            if (!fromDisk || node.OnDisk) return false; // no device room
            Truncate(match, i); // the file was bad: the prefix ends before it
            if (node.HasNoCopy && node.Pins == 0) _tiers.DropSubtree(node);
            return true;
        }
        return true;
    }

    /// <inheritdoc />
    public int Insert(ReadOnlySpan<int> tokens, ReadOnlySpan<int> deviceBlocks) =>
        InsertCore(tokens, deviceBlocks, out _);

    /// <summary><see cref="Insert"/>, also returning the deepest node of the inserted path (null when none).</summary>
    internal int InsertCore(ReadOnlySpan<int> tokens, ReadOnlySpan<int> deviceBlocks, out PromptTreeNode? last)
    {
        int blocks = Math.Min(tokens.Length / BlockTokens, deviceBlocks.Length);
        long now = _tree.Tick();
        PromptTreeNode node = _tree.Root;
        int added = 0;
        for (int b = 0; b < blocks; b++)
        {
            PromptTreeNode? child = _tree.GetOrAdd(node, tokens.Slice(b * BlockTokens, BlockTokens), now, out bool created);
            if (child is null) break; // hash collision: cache no deeper
            if (child.DeviceBlock < 0)
            {
                _device.Retain(deviceBlocks[b]);
                _tree.SetDevice(child, deviceBlocks[b]);
            }
            if (created) added++;
            node = child;
        }
        last = node == _tree.Root ? null : node;
        FlushEvents();
        return added;
    }

    /// <inheritdoc />
    public PrefixMatch Match(ReadOnlySpan<int> tokens, int maxBlocks = int.MaxValue)
    {
        var path = new List<PromptTreeNode>(Math.Min(tokens.Length / BlockTokens, Math.Max(0, maxBlocks)));
        _tree.Match(tokens, maxBlocks, _tree.Tick(), path);
        return new PrefixMatch(path, BlockTokens, instanceId: null);
    }

    /// <inheritdoc />
    public int Delete(ReadOnlySpan<int> tokens)
    {
        PromptTreeNode? node = _tree.Find(tokens);
        if (node is null || node.Pins > 0) return 0;
        int dropped = _tiers.DropSubtree(node);
        FlushEvents();
        return dropped;
    }

    /// <inheritdoc />
    public void Pin(PrefixMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (match.Pinned) throw new InvalidOperationException("MemPool: the match is already pinned.");
        _tree.Pin(match.Last);
        match.Pinned = true;
    }

    /// <inheritdoc />
    public void Unpin(PrefixMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (!match.Pinned) throw new InvalidOperationException("MemPool: the match is not pinned.");
        _tree.Unpin(match.Last);
        match.Pinned = false;
    }

    /// <summary>Pins the path ending at <paramref name="node"/> (the engine's per-sequence pin).</summary>
    internal void Pin(PromptTreeNode? node) => _tree.Pin(node);

    /// <summary>Releases a pin taken with <see cref="Pin(PromptTreeNode?)"/>.</summary>
    internal void Unpin(PromptTreeNode? node) => _tree.Unpin(node);

    /// <summary>Writes every cached block not yet on disk to the disk tier (parents first); returns how many.</summary>
    public int Persist()
    {
        int written = _tiers.Persist();
        if (_disk is not null) MemPoolLog.Persisted(_logger, written, _disk.Directory);
        return written;
    }

    /// <inheritdoc />
    public void CheckIntegrity() => MemPoolIntegrity.Check(_device, _tree, _host, _disk);

    /// <summary>Persists to disk when <see cref="PrefixCacheOptions.PersistOnDispose"/> says so, then frees the
    /// host tier. The device pool's storage stays the caller's. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_disk is not null && _options.PersistOnDispose) Persist();
        _host?.Dispose();
    }

    // Cuts the match to its first `count` blocks, moving the pin up when it is pinned.
    private void Truncate(PrefixMatch match, int count)
    {
        PromptTreeNode? oldLast = match.Last;
        PromptTreeNode? newLast = count == 0 ? null : match.Path[count - 1];
        if (match.Pinned)
        {
            _tree.Pin(newLast);
            _tree.Unpin(oldLast);
        }
        match.Path.RemoveRange(count, match.Path.Count - count);
    }

    // Rebuilds the tree from the disk tier's verified files, shallowest first; orphans are dropped.
    private void Reload()
    {
        List<DiskBlockHeader> headers = _disk!.Scan(out int dropped);
        var byChain = new Dictionary<ulong, PromptTreeNode> { [BlockHash.RootChain] = _tree.Root };
        foreach (DiskBlockHeader header in headers)
        {
            ulong key = BlockHash.Tokens(header.Tokens);
            if (!byChain.TryGetValue(header.ParentChain, out PromptTreeNode? parent) || parent.Depth + 1 != header.Depth ||
                BlockHash.Chain(parent.ChainHash, key) != header.ChainHash)
            {
                MemPoolLog.DiskFileDropped(_logger, header.ChainHash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                    "its parent block is not on disk (orphan)");
                _disk.Delete(header.ChainHash);
                dropped++;
                continue;
            }
            var node = new PromptTreeNode(parent, header.Tokens, key, header.ChainHash, 0) { OnDisk = true };
            if (!_tree.Attach(parent, node))
            {
                _disk.Delete(header.ChainHash);
                dropped++;
                continue;
            }
            byChain[header.ChainHash] = node;
        }
        _tiers.TrimDisk();
        MemPoolLog.DiskReloaded(_logger, _tree.NodeCount, _disk.Directory, dropped);
    }
}
