using System.Diagnostics;

namespace MemServe.Memory;

/// <summary>
/// The prompt tree: a radix tree whose edges are full blocks of <see cref="BlockTokens"/> tokens, so the
/// path from the root to a node spells a cached prefix and every node is one KV block. Only full blocks
/// are indexed; a sequence's last partial block stays private to it. Nodes carry a pin count (a pin on a
/// node counts on all its ancestors, so an unpinned node has no pinned descendant) and a logical access
/// time. The tree holds no KV itself: <see cref="MemPool"/> decides where each node's block lives.
/// Not thread-safe; engine thread only.
/// </summary>
internal sealed class PromptTree
{
    private readonly HashSet<PromptTreeNode> _nodes = [];
    private long _clock;
    private int _evictableDevice; // nodes with a device copy and no pin
    private readonly List<ulong> _inserted = []; // global hashes of nodes added since the last drain
    private readonly List<ulong> _removed = [];  // global hashes of nodes removed since the last drain

    public PromptTree(int blockTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockTokens);
        BlockTokens = blockTokens;
        Root = new PromptTreeNode(null, [], 0, BlockHash.RootChain, 0) { GlobalHash = Cluster.BlockHasher.Root };
    }

    /// <summary>When true, node additions and removals are recorded for <see cref="DrainEvents"/>.</summary>
    public bool RecordEvents { get; set; }

    /// <summary>Hands the recorded additions and removals (global hashes) to <paramref name="observer"/> and
    /// clears them.</summary>
    public void DrainEvents(IPromptTreeObserver observer)
    {
        if (_inserted.Count > 0) observer.OnInserted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_inserted));
        if (_removed.Count > 0) observer.OnRemoved(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_removed));
        _inserted.Clear();
        _removed.Clear();
    }

    public int BlockTokens { get; }

    /// <summary>The empty prefix; never cached, never removed.</summary>
    public PromptTreeNode Root { get; }

    /// <summary>Nodes other than the root.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Every node except the root (do not modify the tree while enumerating).</summary>
    public HashSet<PromptTreeNode> Nodes => _nodes;

    /// <summary>Nodes holding a device block that no running request pins: device blocks only the cache
    /// holds. Any thread may read it as a snapshot.</summary>
    public int EvictableDeviceCount => Volatile.Read(ref _evictableDevice);

    /// <summary>Gives <paramref name="node"/> its device copy (the caller has taken a pool reference for it).</summary>
    public void SetDevice(PromptTreeNode node, int block)
    {
        Debug.Assert(node.DeviceBlock < 0, "a node holds one device copy");
        node.DeviceBlock = block;
        if (node.Pins == 0) Interlocked.Increment(ref _evictableDevice);
    }

    /// <summary>Forgets <paramref name="node"/>'s device copy (the caller releases the pool reference).</summary>
    public void ClearDevice(PromptTreeNode node)
    {
        Debug.Assert(node.DeviceBlock >= 0, "no device copy to clear");
        node.DeviceBlock = -1;
        if (node.Pins == 0) Interlocked.Decrement(ref _evictableDevice);
    }

    /// <summary>Advances and returns the logical clock.</summary>
    public long Tick() => ++_clock;

    /// <summary>
    /// Walks the full blocks of <paramref name="tokens"/> (at most <paramref name="maxBlocks"/>) and
    /// appends each matched node to <paramref name="path"/>; touches each with <paramref name="now"/>.
    /// </summary>
    public void Match(ReadOnlySpan<int> tokens, int maxBlocks, long now, List<PromptTreeNode> path)
    {
        int blocks = Math.Min(tokens.Length / BlockTokens, maxBlocks);
        PromptTreeNode node = Root;
        for (int b = 0; b < blocks; b++)
        {
            ReadOnlySpan<int> block = tokens.Slice(b * BlockTokens, BlockTokens);
            if (!node.TryGetChild(BlockHash.Tokens(block), out PromptTreeNode child) || !child.Matches(block)) break;
            child.LastAccess = now;
            child.Hits++;
            path.Add(child);
            node = child;
        }
    }

    /// <summary>The child of <paramref name="parent"/> for <paramref name="block"/>, created (with no copy
    /// yet) when missing; null when a different block already sits under the same hash (a collision:
    /// the caller stops caching there).</summary>
    public PromptTreeNode? GetOrAdd(PromptTreeNode parent, ReadOnlySpan<int> block, long now, out bool created)
    {
        Debug.Assert(block.Length == BlockTokens, "only full blocks are indexed");
        ulong key = BlockHash.Tokens(block);
        created = false;
        if (parent.TryGetChild(key, out PromptTreeNode existing))
        {
            if (!existing.Matches(block)) return null;
            existing.LastAccess = now;
            return existing;
        }
        var node = new PromptTreeNode(parent, block.ToArray(), key, BlockHash.Chain(parent.ChainHash, key), now);
        parent.AddChild(node);
        Register(node);
        created = true;
        return node;
    }

    /// <summary>Attaches a node rebuilt from disk under <paramref name="parent"/>; false when the slot is taken.</summary>
    public bool Attach(PromptTreeNode parent, PromptTreeNode node)
    {
        if (parent.TryGetChild(node.Key, out _)) return false;
        parent.AddChild(node);
        Register(node);
        return true;
    }

    /// <summary>The node whose path spells exactly the full blocks of <paramref name="tokens"/>, or null.</summary>
    public PromptTreeNode? Find(ReadOnlySpan<int> tokens)
    {
        PromptTreeNode node = Root;
        for (int b = 0; b < tokens.Length / BlockTokens; b++)
        {
            ReadOnlySpan<int> block = tokens.Slice(b * BlockTokens, BlockTokens);
            if (!node.TryGetChild(BlockHash.Tokens(block), out PromptTreeNode child) || !child.Matches(block)) return null;
            node = child;
        }
        return node == Root ? null : node;
    }

    /// <summary>Unlinks a leaf that holds no copy any more.</summary>
    public void Remove(PromptTreeNode node)
    {
        Debug.Assert(node.ChildCount == 0 && node.HasNoCopy && node.Pins == 0, "only empty unpinned leaves are removed");
        node.Parent?.RemoveChild(node);
        _nodes.Remove(node);
        if (RecordEvents) _removed.Add(node.GlobalHash);
    }

    private void Register(PromptTreeNode node)
    {
        node.GlobalHash = Cluster.BlockHasher.Chain(node.Parent!.GlobalHash, node.Tokens);
        _nodes.Add(node);
        if (RecordEvents) _inserted.Add(node.GlobalHash);
    }

    /// <summary>Pins <paramref name="node"/> and its ancestors.</summary>
    public void Pin(PromptTreeNode? node)
    {
        for (; node is not null && node.Parent is not null; node = node.Parent)
        {
            if (node.Pins++ == 0 && node.DeviceBlock >= 0) Interlocked.Decrement(ref _evictableDevice);
        }
    }

    /// <summary>Releases a pin taken by <see cref="Pin"/>.</summary>
    /// <exception cref="InvalidOperationException">A node on the path was not pinned.</exception>
    public void Unpin(PromptTreeNode? node)
    {
        for (; node is not null && node.Parent is not null; node = node.Parent)
        {
            if (node.Pins <= 0) throw new InvalidOperationException($"Prompt tree: unpin of a node at depth {node.Depth} that is not pinned.");
            if (--node.Pins == 0 && node.DeviceBlock >= 0) Interlocked.Increment(ref _evictableDevice);
        }
    }

    /// <summary>Checks links, depths, hashes and pin counts (a node's pins are at least its children's sum).</summary>
    /// <exception cref="InvalidOperationException">Describes the first violation.</exception>
    public void CheckIntegrity()
    {
        int reached = 0;
        var stack = new Stack<PromptTreeNode>();
        stack.Push(Root);
        while (stack.Count > 0)
        {
            PromptTreeNode node = stack.Pop();
            int childPins = 0;
            foreach (PromptTreeNode child in node.Children)
            {
                reached++;
                if (child.Parent != node) throw new InvalidOperationException($"Prompt tree: node at depth {child.Depth} has a wrong parent link.");
                if (child.Depth != node.Depth + 1) throw new InvalidOperationException($"Prompt tree: node depth {child.Depth} under a node at depth {node.Depth}.");
                if (child.Tokens.Length != BlockTokens) throw new InvalidOperationException($"Prompt tree: node at depth {child.Depth} holds {child.Tokens.Length} tokens, not {BlockTokens}.");
                if (child.Pins < 0) throw new InvalidOperationException($"Prompt tree: node at depth {child.Depth} has negative pins {child.Pins}.");
                if (child.HasNoCopy) throw new InvalidOperationException($"Prompt tree: node at depth {child.Depth} holds its block on no tier.");
                if (!_nodes.Contains(child)) throw new InvalidOperationException($"Prompt tree: node at depth {child.Depth} is linked but not registered.");
                childPins += child.Pins;
                stack.Push(child);
            }
            if (node != Root && node.Pins < childPins)
                throw new InvalidOperationException($"Prompt tree: node at depth {node.Depth} has {node.Pins} pins but its children {childPins}.");
        }
        int evictable = 0;
        foreach (PromptTreeNode node in _nodes) if (node.DeviceBlock >= 0 && node.Pins == 0) evictable++;
        if (evictable != _evictableDevice)
            throw new InvalidOperationException($"Prompt tree: {evictable} unpinned device nodes but the count says {_evictableDevice}.");
        if (reached != _nodes.Count) throw new InvalidOperationException($"Prompt tree: {_nodes.Count} nodes registered but {reached} reachable.");
    }
}
