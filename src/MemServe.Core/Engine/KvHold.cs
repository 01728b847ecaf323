using MemServe.Memory;

namespace MemServe.Engine;

/// <summary>
/// KV blocks of one engine that are kept alive for another party (a prefill's prompt KV waiting to be shipped,
/// a cached prefix being exported, blocks landing from a transfer): the hold owns one pool reference on each
/// block and, when some of them are cached, one pin on the deepest cached node, so neither eviction nor reuse
/// can touch them. Block i holds tokens [i·B, (i+1)·B); the last block may be partial. Created and released on
/// the engine thread; <see cref="Blocks"/> may be read from any thread while the hold lives (the data is
/// immutable until release).
/// </summary>
internal sealed class KvHold
{
    private int _released;

    public KvHold(int[] blocks, PromptTreeNode? pin, int tokenCount)
    {
        Blocks = blocks;
        Pin = pin;
        TokenCount = tokenCount;
    }

    /// <summary>Block ids, each with one reference owned by the hold.</summary>
    public int[] Blocks { get; }

    /// <summary>The pinned node (null when none of the blocks is cached, or no cache).</summary>
    public PromptTreeNode? Pin { get; set; }

    /// <summary>Tokens the blocks cover.</summary>
    public int TokenCount { get; }

    /// <summary>An empty hold (nothing cached, nothing to send).</summary>
    public static KvHold Empty { get; } = new([], null, 0);

    /// <summary>Drops the references and the pin; true the first time. Engine thread only.</summary>
    public bool Release(KvBlockPool pool, MemPool? memPool)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return false;
        foreach (int block in Blocks) pool.Release(block);
        memPool?.Unpin(Pin);
        Pin = null;
        return true;
    }

    /// <summary>Moves the hold's references and pin to <paramref name="sequence"/> (which then owns them).
    /// Engine thread only.</summary>
    public void MoveTo(Sequence sequence)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) throw new InvalidOperationException("The KV hold was already released.");
        foreach (int block in Blocks) sequence.Blocks.Append(block);
        sequence.CachePin = Pin;
        sequence.CachedBlocks = Pin?.Depth ?? 0;
        Pin = null;
    }
}
