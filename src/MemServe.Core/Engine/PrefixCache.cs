using MemServe.Memory;

namespace MemServe.Engine;

/// <summary>
/// The scheduler's side of the prefix cache: admits a sequence from its longest cached prefix, publishes
/// its full blocks (prompt blocks after each prefill chunk, prompt + output blocks when it finishes), and
/// keeps exactly one pin per running sequence on the deepest tree node whose path covers its shared
/// blocks. Engine thread only.
/// </summary>
/// <remarks>
/// Cached-token rule: a request reuses whole matched blocks only, and at most
/// <c>floor((context − 1) / BlockTokens)</c> of them, so at least its last token is computed to get
/// logits. A 32-token prompt whose blocks are all cached (block size 16) therefore reuses 16 tokens
/// and recomputes the last block; a 33-token prompt reuses 32. The recomputed block is private to the
/// sequence: cached blocks are never written.
/// </remarks>
internal sealed class PrefixCache
{
    private readonly MemPool _memPool;
    private readonly KvBlockPool _device;
    private readonly int _blockTokens;

    public PrefixCache(MemPool memPool)
    {
        _memPool = memPool;
        _device = memPool.Device;
        _blockTokens = memPool.BlockTokens;
    }

    /// <summary>Gives <paramref name="sequence"/> blocks for <paramref name="neededBlocks"/> blocks of context:
    /// the matched prefix blocks shared (swapped in from host or disk first), the rest newly allocated, evicting
    /// unpinned cached blocks when the pool is short. Sets <see cref="Sequence.ComputedTokens"/> to the cached
    /// tokens. False, changing nothing but the cache's placement, when the blocks cannot be had.</summary>
    public bool TryAdmit(Sequence sequence, int neededBlocks)
    {
        int maxCachedBlocks = (sequence.Count - 1) / _blockTokens;
        PrefixMatch match = _memPool.Match(sequence.Tokens, maxCachedBlocks);
        _memPool.Pin(match);
        int onDevice = match.CountOn(MemoryTier.Device);
        if (!_memPool.EnsureDeviceFree(neededBlocks - onDevice) || !_memPool.SwapIn(match) ||
            !_memPool.EnsureDeviceFree(neededBlocks - match.BlockCount))
        {
            _memPool.Unpin(match);
            return false;
        }
        for (int i = 0; i < match.BlockCount; i++)
        {
            int block = match[i].BlockId;
            _device.Retain(block);
            sequence.Blocks.Append(block);
        }
        sequence.Blocks.GrowTo(_device, neededBlocks);
        sequence.ComputedTokens = match.MatchedTokens;
        sequence.CachePin = match.Last; // the match's pin now belongs to the sequence
        sequence.CachedBlocks = match.BlockCount;
        return true;
    }

    /// <summary>Records the first admission's hit in the usage and the counters.</summary>
    public void OnFirstAdmission(Sequence sequence)
    {
        sequence.CachedPromptTokens = Math.Min(sequence.ComputedTokens, sequence.PromptTokens);
        _memPool.Counters.OnLookup(sequence.PromptTokens, sequence.CachedPromptTokens);
    }

    /// <summary>Publishes the sequence's computed full blocks beyond those already cached and moves its pin
    /// to the deepest of them.</summary>
    public void Publish(Sequence sequence)
    {
        int full = Math.Min(sequence.ComputedTokens / _blockTokens, sequence.Blocks.Count);
        if (full <= sequence.CachedBlocks) return;
        _memPool.InsertCore(sequence.Tokens[..(full * _blockTokens)], sequence.Blocks.Array.AsSpan(0, full),
            out PromptTreeNode? last);
        if (last is null || last.Depth <= sequence.CachedBlocks) return;
        _memPool.Pin(last);
        _memPool.Unpin(sequence.CachePin);
        sequence.CachePin = last;
        sequence.CachedBlocks = last.Depth;
    }

    /// <summary>Adds a pin on <paramref name="node"/> (a <see cref="KvHold"/> keeping a finished sequence's blocks).</summary>
    public void Hold(PromptTreeNode? node) => _memPool.Pin(node);

    /// <summary>Drops the sequence's pin (finish, preemption, cancellation, failure).</summary>
    public void Release(Sequence sequence)
    {
        _memPool.Unpin(sequence.CachePin);
        sequence.CachePin = null;
        sequence.CachedBlocks = 0;
    }

    /// <summary>Evicts up to <paramref name="blocks"/> unpinned cached device blocks; returns how many were freed.</summary>
    public int Evict(int blocks) => _memPool.SwapOut(Math.Max(1, blocks));
}
