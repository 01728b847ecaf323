using MemServe.Memory;

namespace MemServe.Engine;

/// <summary>
/// The physical KV blocks of one sequence, in logical order: block i holds positions
/// [i·BlockTokens, (i+1)·BlockTokens). The backing array grows by doubling and is kept across
/// preemptions, so a sequence allocates it a handful of times in its life. Engine thread only.
/// </summary>
internal sealed class BlockTable
{
    private int[] _blocks = new int[4]; // (capacity); entries [0, Count) are block ids

    /// <summary>Blocks held.</summary>
    public int Count { get; private set; }

    /// <summary>The backing array, as <see cref="Runner.ForwardSequence.BlockTable"/> wants it (may be longer than <see cref="Count"/>).</summary>
    public int[] Array => _blocks;

    /// <summary>Allocates blocks from <paramref name="pool"/> until <paramref name="blockCount"/> are held.
    /// The caller has checked <see cref="KvBlockPool.CanAllocate"/>.</summary>
    public void GrowTo(KvBlockPool pool, int blockCount)
    {
        if (blockCount > _blocks.Length) System.Array.Resize(ref _blocks, Math.Max(blockCount, _blocks.Length * 2));
        while (Count < blockCount) _blocks[Count++] = pool.Allocate();
    }

    /// <summary>Appends <paramref name="blockId"/>, whose reference the caller has already taken (a shared cached block).</summary>
    public void Append(int blockId)
    {
        if (Count == _blocks.Length) System.Array.Resize(ref _blocks, _blocks.Length * 2);
        _blocks[Count++] = blockId;
    }

    /// <summary>Releases every block to <paramref name="pool"/>; returns how many were held.</summary>
    public int ReleaseAll(KvBlockPool pool)
    {
        int released = Count;
        for (int i = 0; i < Count; i++) pool.Release(_blocks[i]);
        Count = 0;
        return released;
    }
}
