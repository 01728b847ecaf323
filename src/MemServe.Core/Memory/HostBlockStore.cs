namespace MemServe.Memory;

/// <summary>
/// The host tier: up to <see cref="Capacity"/> KV blocks in DRAM outside the engine's memory budget (the
/// tier has its own byte budget, <see cref="PrefixCacheOptions.HostBytes"/>). A block's native memory is
/// allocated the first time its slot is used and kept for reuse until <see cref="Dispose"/>; it is
/// tracked by <see cref="NativeMemoryTracker"/>. Not thread-safe; engine thread only.
/// </summary>
internal sealed unsafe class HostBlockStore : IDisposable
{
    private readonly List<NativeBuffer<float>> _blocks = []; // (slots allocated so far) each (BlockFloats)
    private readonly Stack<int> _free = new();                // slots allocated and not in use
    private int _used;

    public HostBlockStore(KvCacheLayout layout, long budgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetBytes);
        Layout = layout;
        Capacity = (int)Math.Min(int.MaxValue, budgetBytes / layout.BlockBytes);
    }

    public KvCacheLayout Layout { get; }

    /// <summary>Most blocks the tier holds (its byte budget over the block size).</summary>
    public int Capacity { get; }

    /// <summary>Blocks holding data.</summary>
    public int UsedCount => _used;

    public bool HasFree => _used < Capacity;

    /// <summary>Takes a free slot; false when the tier is full.</summary>
    public bool TryAllocate(out int blockId)
    {
        if (!_free.TryPop(out blockId))
        {
            if (_blocks.Count >= Capacity) return false;
            blockId = _blocks.Count;
            _blocks.Add(new NativeBuffer<float>(Layout.BlockFloats, null, MemoryCategory.KvCache, "host KV block"));
        }
        _used++;
        return true;
    }

    /// <summary>Returns a slot to the free list (its memory is kept for reuse).</summary>
    public void Free(int blockId)
    {
        if ((uint)blockId >= (uint)_blocks.Count)
            throw new ArgumentOutOfRangeException(nameof(blockId), blockId, $"host block id outside 0..{_blocks.Count - 1}");
        _free.Push(blockId);
        _used--;
    }

    /// <summary>Start of host block <paramref name="blockId"/>.</summary>
    public float* Block(int blockId) => _blocks[blockId].Pointer;

    /// <summary>Frees every block's native memory.</summary>
    public void Dispose()
    {
        foreach (NativeBuffer<float> block in _blocks) block.Dispose();
        _blocks.Clear();
        _free.Clear();
        _used = 0;
    }
}
