using System.Buffers;
using System.Collections.Concurrent;

namespace MemServe.Transport;

/// <summary>
/// The memory pool behind one TCP connection's pipes: fixed-size segments (<see cref="SegmentBytes"/>) and
/// their owner objects are both recycled, so a connection in steady state allocates nothing per frame (the
/// shared array pool keeps only a handful of arrays per size and would drop most of a multi-megabyte frame's
/// segments). The pool holds at most what the pipes held at their peak, which back-pressure bounds.
/// Thread-safe.
/// </summary>
internal sealed class SegmentPool : MemoryPool<byte>
{
    public const int SegmentBytes = 64 << 10;
    private readonly ConcurrentStack<Segment> _free = new();

    public override int MaxBufferSize => SegmentBytes;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > SegmentBytes) return new Segment(null, minBufferSize); // oversized: not pooled
        return _free.TryPop(out Segment? segment) ? segment : new Segment(this, SegmentBytes);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private sealed class Segment(SegmentPool? owner, int size) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(size, pinned: true);

        public Memory<byte> Memory => _array;

        public void Dispose() => owner?._free.Push(this);
    }
}
