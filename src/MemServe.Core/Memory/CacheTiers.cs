using System.Diagnostics;

namespace MemServe.Memory;

/// <summary>
/// Moves the prompt tree's blocks between tiers: allocates device blocks (evicting unpinned cached ones
/// when the pool is full), demotes eviction victims one tier down (device → host → disk) before dropping
/// them, swaps blocks back up to the device, and drops whole subtrees. Victims are the tier's leaves:
/// unpinned nodes with no child on that tier, in the eviction policy's order (a min-heap refilled with
/// the parent as each leaf goes). Device copies are closed upwards (a node on the device has its parent
/// on the device), so dropping a node never strands a device child. Engine thread only.
/// </summary>
internal sealed unsafe class CacheTiers
{
    private readonly PromptTree _tree;
    private readonly KvBlockPool _device;
    private readonly HostBlockStore? _host;
    private readonly DiskBlockStore? _disk;
    private readonly IEvictionPolicy _policy;
    private readonly PrefixCacheCounters _counters;
    private readonly PriorityQueue<PromptTreeNode, long>[] _victims = [new(), new(), new()]; // (tier): evictions nest device → host → disk
    private readonly Stack<PromptTreeNode> _dropStack = new();
    private readonly List<PromptTreeNode> _dropOrder = [];
    private readonly long _blockBytes;

    // A full host or disk tier frees 1/32 of itself at once: each eviction round scans the tree, so
    // batching keeps demotion cascades linear in practice.
    private const int LowerTierEvictionBatch = 32;

    public CacheTiers(PromptTree tree, KvBlockPool device, HostBlockStore? host, DiskBlockStore? disk,
        IEvictionPolicy policy, PrefixCacheCounters counters)
    {
        _tree = tree;
        _device = device;
        _host = host;
        _disk = disk;
        _policy = policy;
        _counters = counters;
        _blockBytes = device.Storage.Layout.BlockBytes;
    }

    /// <summary>Makes at least <paramref name="blocks"/> device blocks free by evicting cached ones; false when
    /// that is impossible (every cached block is pinned).</summary>
    public bool EnsureDeviceFree(int blocks)
    {
        int missing = blocks - _device.FreeCount;
        if (missing > 0) EvictDevice(missing);
        return _device.FreeCount >= blocks;
    }

    /// <summary>Evicts up to <paramref name="count"/> unpinned device leaves; returns how many device blocks were freed.</summary>
    public int EvictDevice(int count) => Evict(MemoryTier.Device, count);

    /// <summary>Copies <paramref name="node"/>'s block from host or disk into a new device block. False when
    /// no device block can be had, or when the disk copy turned out bad (then the copy is gone).</summary>
    public bool SwapIn(PromptTreeNode node)
    {
        Debug.Assert(node.DeviceBlock < 0, "already on the device");
        if (!EnsureDeviceFree(1)) return false;
        int block = _device.Allocate();
        float* destination = _device.Storage.Block(block);
        if (node.HostBlock >= 0)
        {
            Buffer.MemoryCopy(_host!.Block(node.HostBlock), destination, _blockBytes, _blockBytes);
        }
        else if (!_disk!.TryRead(node.ChainHash, destination))
        {
            _device.Release(block);
            node.OnDisk = false;
            return false;
        }
        _tree.SetDevice(node, block);
        _counters.OnSwapIn();
        return true;
    }

    /// <summary>Writes every cached block not yet on disk to the disk tier, parents first, while it has room;
    /// returns how many were written.</summary>
    public int Persist()
    {
        if (_disk is null) return 0;
        int written = 0;
        var queue = new Queue<PromptTreeNode>();
        queue.Enqueue(_tree.Root);
        while (queue.Count > 0 && _disk.HasRoom)
        {
            PromptTreeNode node = queue.Dequeue();
            if (node != _tree.Root && !node.OnDisk)
            {
                if (!WriteDisk(node, Source(node))) continue; // children would be orphans on disk
                written++;
            }
            foreach (PromptTreeNode child in node.Children) queue.Enqueue(child);
        }
        return written;
    }

    /// <summary>Removes <paramref name="node"/> and its whole subtree (none of it pinned) from every tier.</summary>
    public int DropSubtree(PromptTreeNode node)
    {
        _dropOrder.Clear();
        _dropStack.Push(node);
        while (_dropStack.TryPop(out PromptTreeNode? next))
        {
            Debug.Assert(next.Pins == 0, "pinned nodes are never dropped");
            _dropOrder.Add(next);
            foreach (PromptTreeNode child in next.Children) _dropStack.Push(child);
        }
        for (int i = _dropOrder.Count - 1; i >= 0; i--) // children before parents
        {
            PromptTreeNode victim = _dropOrder[i];
            if (victim.DeviceBlock >= 0) ReleaseDevice(victim);
            if (victim.HostBlock >= 0) ReleaseHost(victim);
            if (victim.OnDisk) ReleaseDisk(victim);
            _tree.Remove(victim);
            _counters.OnDropped();
        }
        int dropped = _dropOrder.Count;
        _dropOrder.Clear();
        return dropped;
    }

    /// <summary>Drops the disk copies beyond the tier's capacity (after a reload under a smaller budget).</summary>
    public void TrimDisk()
    {
        if (_disk is not null && _disk.Count > _disk.Capacity) Evict(MemoryTier.Disk, _disk.Count - _disk.Capacity);
    }

    private int Evict(MemoryTier tier, int count)
    {
        if (count <= 0) return 0;
        PriorityQueue<PromptTreeNode, long> victims = _victims[(int)tier];
        victims.Clear();
        foreach (PromptTreeNode node in _tree.Nodes)
        {
            if (IsVictim(node, tier)) victims.Enqueue(node, Score(node));
        }
        int evicted = 0;
        while (evicted < count && victims.TryDequeue(out PromptTreeNode? node, out _))
        {
            if (node.Parent is null || !IsVictim(node, tier)) continue; // dropped or changed meanwhile
            PromptTreeNode parent = node.Parent;
            Demote(node, tier);
            evicted++;
            _counters.OnEviction();
            if (parent != _tree.Root && parent.Parent is not null && IsVictim(parent, tier)) victims.Enqueue(parent, Score(parent));
        }
        victims.Clear();
        return evicted;
    }

    // A leaf of the tier that may lose its copy there. A copy with a faster copy above it can always go;
    // otherwise the node must be unpinned and have no child on this tier or a faster one.
    private static bool IsVictim(PromptTreeNode node, MemoryTier tier) => tier switch
    {
        MemoryTier.Device => node.DeviceBlock >= 0 && node.Pins == 0 && !node.HasChildOn(MemoryTier.Device),
        MemoryTier.Host => node.HostBlock >= 0 && (node.DeviceBlock >= 0 ||
            (node.Pins == 0 && !node.HasChildOn(MemoryTier.Host) && !node.HasChildOn(MemoryTier.Device))),
        _ => node.OnDisk && (node.DeviceBlock >= 0 || node.HostBlock >= 0 || (node.Pins == 0 && node.ChildCount == 0)),
    };

    private long Score(PromptTreeNode node) =>
        _policy.Score(new EvictionCandidate(node.LastAccess, node.InsertedAt, node.Hits, node.Depth));

    // Takes the node's copy off the tier, first copying it one tier down when it has no slower copy.
    private void Demote(PromptTreeNode node, MemoryTier tier)
    {
        switch (tier)
        {
            case MemoryTier.Device:
                if (node.HostBlock < 0 && !node.OnDisk && !CopyDown(node, _device.Storage.Block(node.DeviceBlock), toHost: true))
                {
                    DropSubtree(node);
                    return;
                }
                ReleaseDevice(node);
                break;
            case MemoryTier.Host:
                if (node.DeviceBlock < 0 && !node.OnDisk && !CopyDown(node, _host!.Block(node.HostBlock), toHost: false))
                {
                    DropSubtree(node);
                    return;
                }
                ReleaseHost(node);
                break;
            default:
                ReleaseDisk(node);
                if (node.HasNoCopy) _tree.Remove(node);
                break;
        }
    }

    // Copies a block to the host tier (when allowed and it has or can make room) or else to disk.
    private bool CopyDown(PromptTreeNode node, float* source, bool toHost)
    {
        if (toHost && _host is not null)
        {
            if (!_host.HasFree) Evict(MemoryTier.Host, Math.Max(1, _host.Capacity / LowerTierEvictionBatch));
            if (_host.TryAllocate(out int hostBlock))
            {
                Buffer.MemoryCopy(source, _host.Block(hostBlock), _blockBytes, _blockBytes);
                node.HostBlock = hostBlock;
                _counters.OnSwapOut();
                return true;
            }
        }
        if (_disk is null) return false;
        if (!_disk.HasRoom) Evict(MemoryTier.Disk, Math.Max(1, _disk.Capacity / LowerTierEvictionBatch));
        if (!_disk.HasRoom || !WriteDisk(node, source)) return false;
        _counters.OnSwapOut();
        return true;
    }

    private bool WriteDisk(PromptTreeNode node, float* source)
    {
        var header = new DiskBlockHeader(node.ChainHash, node.Parent!.ChainHash, node.Depth, node.Tokens);
        if (!_disk!.TryWrite(header, source)) return false;
        node.OnDisk = true;
        return true;
    }

    private float* Source(PromptTreeNode node) =>
        node.DeviceBlock >= 0 ? _device.Storage.Block(node.DeviceBlock) : _host!.Block(node.HostBlock);

    private void ReleaseDevice(PromptTreeNode node)
    {
        int block = node.DeviceBlock;
        _tree.ClearDevice(node);
        bool freed = _device.Release(block);
        Debug.Assert(freed || node.Pins > 0, "an unpinned cached block was still referenced by a request");
    }

    private void ReleaseHost(PromptTreeNode node)
    {
        _host!.Free(node.HostBlock);
        node.HostBlock = -1;
    }

    private void ReleaseDisk(PromptTreeNode node)
    {
        _disk!.Delete(node.ChainHash);
        node.OnDisk = false;
    }
}
