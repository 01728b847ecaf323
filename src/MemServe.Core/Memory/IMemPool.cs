namespace MemServe.Memory;

/// <summary>
/// MemServe's MemPool for one engine instance: every KV block on every tier, with the prompt tree as its
/// index. Blocks hold <see cref="BlockTokens"/> tokens. Three API groups (the paper's; the transfer group spans two
/// instances and lives with them: <see cref="Cluster.KvTransfers"/>, <see cref="Cluster.IEngineInstance.ImportAsync"/>):
/// <list type="bullet">
/// <item>memory: <see cref="TryAllocate"/>, <see cref="Free"/>, <see cref="SwapOut"/>, <see cref="SwapIn"/>;</item>
/// <item>index: <see cref="Insert"/>, <see cref="Match"/>, <see cref="Delete"/>, with <see cref="Pin"/> and
/// <see cref="Unpin"/> so a running request's prefix is never evicted;</item>
/// <item><see cref="CheckIntegrity"/>.</item>
/// </list>
/// Not thread-safe: the engine thread alone calls it. Full blocks in the index are immutable; a block a
/// caller got from <see cref="Match"/> is read, never written.
/// </summary>
public interface IMemPool
{
    /// <summary>Tokens per block.</summary>
    int BlockTokens { get; }

    /// <summary>What the prefix cache has done so far (readable from any thread).</summary>
    PrefixCacheCounters Counters { get; }

    /// <summary>Fills <paramref name="blocks"/> with newly allocated blocks of <paramref name="tier"/>
    /// (<see cref="MemoryTier.Device"/> or <see cref="MemoryTier.Host"/>), each with one reference owned by
    /// the caller; evicts unpinned cached blocks of that tier when it must. False (nothing allocated) when
    /// there is no room even then.</summary>
    /// <exception cref="NotSupportedException"><paramref name="tier"/> is <see cref="MemoryTier.Disk"/> (disk blocks are only written by demotion).</exception>
    bool TryAllocate(MemoryTier tier, Span<int> blocks);

    /// <summary>Drops the caller's reference on each block; a block nobody references becomes free.</summary>
    void Free(MemoryTier tier, ReadOnlySpan<int> blocks);

    /// <summary>Evicts up to <paramref name="blockCount"/> unpinned cached device blocks, demoting each to
    /// the host tier (or disk, or dropping it when neither has room); returns the device blocks freed.</summary>
    int SwapOut(int blockCount);

    /// <summary>Brings every block of a pinned <paramref name="match"/> onto the device. A disk block whose
    /// file fails verification is dropped and the match is cut before it. False when the device has no
    /// room (the match keeps the blocks it already swapped in).</summary>
    bool SwapIn(PrefixMatch match);

    /// <summary>Publishes the full blocks of <paramref name="tokens"/> (at most <paramref name="deviceBlocks"/>.Length,
    /// block i holding tokens [i·B, (i+1)·B)) in the index. The pool takes its own reference on every
    /// block it keeps; the caller keeps its own. Blocks already cached stay as they are. Returns the
    /// number of blocks newly cached.</summary>
    int Insert(ReadOnlySpan<int> tokens, ReadOnlySpan<int> deviceBlocks);

    /// <summary>The longest cached prefix of <paramref name="tokens"/> in full blocks (at most
    /// <paramref name="maxBlocks"/>), touching each matched block's access time.</summary>
    PrefixMatch Match(ReadOnlySpan<int> tokens, int maxBlocks = int.MaxValue);

    /// <summary>Removes the cached prefix that spells exactly the full blocks of <paramref name="tokens"/>,
    /// and everything cached below it, from every tier. Returns the blocks removed (0 when absent or pinned).</summary>
    int Delete(ReadOnlySpan<int> tokens);

    /// <summary>Pins a match: none of its blocks is evicted until <see cref="Unpin"/>.</summary>
    void Pin(PrefixMatch match);

    /// <summary>Releases the pin of <see cref="Pin"/>.</summary>
    void Unpin(PrefixMatch match);

    /// <summary>Verifies free + cached + in use == total on the device, reference counts ≥ 0, pin counts,
    /// tree links, and that each tier's count matches the nodes that claim a copy on it.</summary>
    /// <exception cref="InvalidOperationException">Describes the first violation.</exception>
    void CheckIntegrity();
}
