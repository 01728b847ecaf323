namespace MemServe.Memory;

/// <summary>
/// The native arena that holds <see cref="BlockCount"/> KV blocks of one <see cref="KvCacheLayout"/>,
/// charged to the engine's budget as <see cref="MemoryCategory.KvCache"/>. It only stores bytes; which
/// block belongs to whom is the block pool's business. Block ids are 0..BlockCount-1.
/// </summary>
public sealed unsafe class KvBlockStorage : IDisposable
{
    private readonly NativeBuffer<float> _arena; // (block, BlockFloats)

    /// <summary>Allocates <paramref name="blockCount"/> blocks, charging <paramref name="budget"/>.</summary>
    public KvBlockStorage(KvCacheLayout layout, int blockCount, MemoryBudget? budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockCount);
        Layout = layout;
        BlockCount = blockCount;
        _arena = new NativeBuffer<float>(layout.BlockFloats * blockCount, budget, MemoryCategory.KvCache,
            $"KV cache ({blockCount} blocks of {MemoryBudget.Format(layout.BlockBytes)})");
    }

    /// <summary>Geometry of every block.</summary>
    public KvCacheLayout Layout { get; }

    /// <summary>Number of blocks.</summary>
    public int BlockCount { get; }

    /// <summary>Start of block <paramref name="blockId"/>.</summary>
    public float* Block(int blockId)
    {
        if ((uint)blockId >= (uint)BlockCount) ThrowBadBlock(blockId);
        return _arena.Pointer + (long)blockId * Layout.BlockFloats;
    }

    /// <summary>Block <paramref name="blockId"/> as a span of floats.</summary>
    public Span<float> BlockSpan(int blockId) => new(Block(blockId), checked((int)Layout.BlockFloats));

    /// <summary>Frees the arena.</summary>
    public void Dispose() => _arena.Dispose();

    private void ThrowBadBlock(int blockId) =>
        throw new ArgumentOutOfRangeException(nameof(blockId), blockId, $"block id outside 0..{BlockCount - 1}");
}
