using System.Diagnostics;

namespace MemServe.Memory;

/// <summary>
/// Hands out the blocks of one <see cref="KvBlockStorage"/>: a free list plus a reference count per
/// block, so that a block can be shared (the prefix cache retains full blocks that several sequences
/// read). A block is free exactly when its count is zero.
/// </summary>
/// <remarks>
/// Not thread-safe: the engine thread is the only one that allocates, retains and releases.
/// <see cref="FreeCount"/>, <see cref="UsedCount"/> and <see cref="TotalCount"/> may be read from any
/// thread as a snapshot. The pool does not own the storage; whoever created the storage disposes it.
/// </remarks>
public sealed class KvBlockPool
{
    private readonly int[] _refCounts; // (block)
    private readonly int[] _freeList;  // (TotalCount); entries [0, _freeCount) are free block ids
    private int _freeCount;

    /// <summary>Creates a pool in which every block of <paramref name="storage"/> is free.</summary>
    public KvBlockPool(KvBlockStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        Storage = storage;
        _refCounts = new int[storage.BlockCount];
        _freeList = new int[storage.BlockCount];
        // Hand out low ids first: the free list is a stack, so push the highest id first.
        for (int i = 0; i < storage.BlockCount; i++) _freeList[i] = storage.BlockCount - 1 - i;
        _freeCount = storage.BlockCount;
    }

    /// <summary>The arena whose blocks this pool manages.</summary>
    public KvBlockStorage Storage { get; }

    /// <summary>Number of blocks in the pool.</summary>
    public int TotalCount => _refCounts.Length;

    /// <summary>Blocks with a reference count of zero.</summary>
    public int FreeCount => Volatile.Read(ref _freeCount);

    /// <summary>Blocks referenced at least once.</summary>
    public int UsedCount => TotalCount - FreeCount;

    /// <summary>True when <paramref name="blockCount"/> blocks can be allocated now.</summary>
    public bool CanAllocate(int blockCount) => blockCount <= _freeCount;

    /// <summary>Takes a free block and gives it a reference count of one.</summary>
    /// <exception cref="InvalidOperationException">No block is free (check <see cref="CanAllocate"/> first).</exception>
    public int Allocate()
    {
        if (!TryAllocate(out int blockId)) ThrowPoolExhausted();
        return blockId;
    }

    /// <summary>Takes a free block when there is one.</summary>
    public bool TryAllocate(out int blockId)
    {
        if (_freeCount == 0)
        {
            blockId = -1;
            return false;
        }
        blockId = _freeList[_freeCount - 1];
        Volatile.Write(ref _freeCount, _freeCount - 1);
        Debug.Assert(_refCounts[blockId] == 0, "a free block had references");
        _refCounts[blockId] = 1;
        return true;
    }

    /// <summary>Adds a reference to a block in use (sharing it).</summary>
    public void Retain(int blockId)
    {
        CheckId(blockId);
        if (_refCounts[blockId] == 0) ThrowNotInUse(blockId, nameof(Retain));
        _refCounts[blockId]++;
    }

    /// <summary>Drops one reference; the block returns to the free list when none are left.</summary>
    /// <returns>True when the block became free.</returns>
    public bool Release(int blockId)
    {
        CheckId(blockId);
        if (_refCounts[blockId] == 0) ThrowNotInUse(blockId, nameof(Release));
        if (--_refCounts[blockId] > 0) return false;
        _freeList[_freeCount] = blockId;
        Volatile.Write(ref _freeCount, _freeCount + 1);
        return true;
    }

    /// <summary>References currently held on <paramref name="blockId"/>.</summary>
    public int RefCount(int blockId)
    {
        CheckId(blockId);
        return _refCounts[blockId];
    }

    /// <summary>
    /// Verifies the bookkeeping: free + in use == total, no negative count, every free-list entry a
    /// valid id listed once with a count of zero, and every block with a count of zero on the free list.
    /// </summary>
    /// <exception cref="InvalidOperationException">Describes the first violation found.</exception>
    public void CheckIntegrity()
    {
        int total = TotalCount;
        if (_freeCount < 0 || _freeCount > total)
            throw new InvalidOperationException($"KV pool: free count {_freeCount} outside 0..{total}.");
        var onFreeList = new bool[total];
        for (int i = 0; i < _freeCount; i++)
        {
            int id = _freeList[i];
            if ((uint)id >= (uint)total)
                throw new InvalidOperationException($"KV pool: free list entry {i} holds invalid block id {id}.");
            if (onFreeList[id])
                throw new InvalidOperationException($"KV pool: block {id} is on the free list twice.");
            if (_refCounts[id] != 0)
                throw new InvalidOperationException($"KV pool: block {id} is both free and in use (ref count {_refCounts[id]}).");
            onFreeList[id] = true;
        }
        int used = 0;
        for (int id = 0; id < total; id++)
        {
            if (_refCounts[id] < 0)
                throw new InvalidOperationException($"KV pool: block {id} has negative ref count {_refCounts[id]}.");
            if (_refCounts[id] > 0) used++;
            else if (!onFreeList[id])
                throw new InvalidOperationException($"KV pool: block {id} has no references but is not on the free list (leaked).");
        }
        if (used + _freeCount != total)
            throw new InvalidOperationException($"KV pool: {_freeCount} free + {used} in use != {total} total.");
    }

    private void CheckId(int blockId)
    {
        if ((uint)blockId >= (uint)TotalCount) ThrowBadId(blockId);
    }

    private void ThrowBadId(int blockId) =>
        throw new ArgumentOutOfRangeException(nameof(blockId), blockId, $"block id outside 0..{TotalCount - 1}");

    private static void ThrowNotInUse(int blockId, string operation) =>
        throw new InvalidOperationException($"KV pool: {operation} of block {blockId}, which is not in use.");

    private void ThrowPoolExhausted() =>
        throw new InvalidOperationException($"KV pool: all {TotalCount} blocks are in use.");
}
