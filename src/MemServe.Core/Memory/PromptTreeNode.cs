namespace MemServe.Memory;

/// <summary>
/// One full block of a cached prefix: the tokens of that block, where its KV lives on each tier, how many
/// running requests pin it (a pin on a node pins every ancestor too), and the bookkeeping eviction
/// policies read. The path from the root to a node spells the prefix. Owned by a <see cref="PromptTree"/>;
/// engine thread only.
/// </summary>
internal sealed class PromptTreeNode
{
    private Dictionary<ulong, PromptTreeNode>? _children; // keyed by BlockHash.Tokens of the child's block

    public PromptTreeNode(PromptTreeNode? parent, int[] tokens, ulong key, ulong chainHash, long now)
    {
        Parent = parent;
        Tokens = tokens;
        Key = key;
        ChainHash = chainHash;
        Depth = parent is null ? 0 : parent.Depth + 1;
        LastAccess = now;
        InsertedAt = now;
    }

    /// <summary>Null for the root.</summary>
    public PromptTreeNode? Parent { get; private set; }

    /// <summary>The block's token ids (empty for the root).</summary>
    public int[] Tokens { get; }

    /// <summary><see cref="BlockHash.Tokens"/> of <see cref="Tokens"/>: the key under the parent.</summary>
    public ulong Key { get; }

    /// <summary><see cref="BlockHash.Chain"/> of the whole prefix ending at this node (names its disk file).</summary>
    public ulong ChainHash { get; }

    /// <summary>The cluster's chained hash of the prefix ending here (<see cref="Cluster.BlockHasher"/>): what
    /// insert and evict events report to the global prompt tree.</summary>
    public ulong GlobalHash { get; set; }

    /// <summary>Blocks from the root: 1 for a child of the root; the node covers tokens [(Depth-1)·B, Depth·B).</summary>
    public int Depth { get; }

    /// <summary>Device block id holding this block's KV (the tree holds one pool reference), or -1.</summary>
    public int DeviceBlock { get; set; } = -1;

    /// <summary>Host block id, or -1.</summary>
    public int HostBlock { get; set; } = -1;

    /// <summary>True when a verified block file for this node is in the disk store.</summary>
    public bool OnDisk { get; set; }

    /// <summary>Pins from running requests on this node or any descendant; never negative.</summary>
    public int Pins { get; set; }

    /// <summary>Logical time of the last match or insert that touched the node.</summary>
    public long LastAccess { get; set; }

    /// <summary>Logical time the node was created.</summary>
    public long InsertedAt { get; }

    /// <summary>Times a lookup matched the node.</summary>
    public long Hits { get; set; }

    /// <summary>True when no tier holds the block (only while the node is being dropped).</summary>
    public bool HasNoCopy => DeviceBlock < 0 && HostBlock < 0 && !OnDisk;

    /// <summary>The fastest tier holding the block.</summary>
    public MemoryTier BestTier => DeviceBlock >= 0 ? MemoryTier.Device : HostBlock >= 0 ? MemoryTier.Host : MemoryTier.Disk;

    public int ChildCount => _children?.Count ?? 0;

    /// <summary>The children (empty when there are none).</summary>
    public Dictionary<ulong, PromptTreeNode>.ValueCollection Children => (_children ??= []).Values;

    public bool TryGetChild(ulong key, out PromptTreeNode child)
    {
        if (_children is not null && _children.TryGetValue(key, out PromptTreeNode? found))
        {
            child = found;
            return true;
        }
        child = null!;
        return false;
    }

    public void AddChild(PromptTreeNode child) => (_children ??= []).Add(child.Key, child);

    public void RemoveChild(PromptTreeNode child)
    {
        _children?.Remove(child.Key);
        child.Parent = null;
    }

    /// <summary>True when some child holds a copy on <paramref name="tier"/>.</summary>
    public bool HasChildOn(MemoryTier tier)
    {
        if (_children is null) return false;
        foreach (PromptTreeNode child in _children.Values)
        {
            bool on = tier switch
            {
                MemoryTier.Device => child.DeviceBlock >= 0,
                MemoryTier.Host => child.HostBlock >= 0,
                _ => child.OnDisk,
            };
            if (on) return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="tokens"/> equals this node's block.</summary>
    public bool Matches(ReadOnlySpan<int> tokens) => tokens.SequenceEqual(Tokens);
}
