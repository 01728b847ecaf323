namespace MemServe.Memory;

/// <summary>
/// The answer of <see cref="IMemPool.Match"/>: the longest cached prefix of the looked-up tokens, in full
/// blocks. The indexer lists each matched block's fastest tier and id at the time of the
/// match (after <see cref="IMemPool.SwapIn"/> they are all on <see cref="MemoryTier.Device"/>). The
/// locations are only stable while the match is pinned (<see cref="IMemPool.Pin"/>).
/// </summary>
public sealed class PrefixMatch
{
    internal PrefixMatch(List<PromptTreeNode> path, int blockTokens, string? instanceId)
    {
        Path = path;
        BlockTokens = blockTokens;
        InstanceId = instanceId;
    }

    /// <summary>Tokens covered by the matched blocks (a multiple of the block size).</summary>
    public int MatchedTokens => Path.Count * BlockTokens;

    /// <summary>Number of matched blocks.</summary>
    public int BlockCount => Path.Count;

    /// <summary>Tokens per block.</summary>
    public int BlockTokens { get; }

    /// <summary>Which engine instance holds the blocks; null for this one (set by cluster-level lookups).</summary>
    public string? InstanceId { get; }

    /// <summary>Location of matched block <paramref name="index"/> now.</summary>
    public BlockLocation this[int index]
    {
        get
        {
            PromptTreeNode node = Path[index];
            return node.BestTier switch
            {
                MemoryTier.Device => new BlockLocation(MemoryTier.Device, node.DeviceBlock),
                MemoryTier.Host => new BlockLocation(MemoryTier.Host, node.HostBlock),
                _ => new BlockLocation(MemoryTier.Disk, node.Depth),
            };
        }
    }

    /// <summary>Matched blocks whose fastest tier is <paramref name="tier"/>.</summary>
    public int CountOn(MemoryTier tier)
    {
        int n = 0;
        foreach (PromptTreeNode node in Path) if (node.BestTier == tier) n++;
        return n;
    }

    /// <summary>The deepest matched node, or null when nothing matched.</summary>
    internal PromptTreeNode? Last => Path.Count == 0 ? null : Path[^1];

    internal List<PromptTreeNode> Path { get; }

    /// <summary>True while pinned through <see cref="IMemPool.Pin"/>.</summary>
    internal bool Pinned { get; set; }
}
