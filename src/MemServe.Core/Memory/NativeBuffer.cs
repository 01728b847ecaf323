using System.Runtime.InteropServices;

namespace MemServe.Memory;

/// <summary>
/// A zero-initialised native allocation of <typeparamref name="T"/> elements, charged to a
/// <see cref="MemoryBudget"/> (when given) for its whole life and tracked by
/// <see cref="NativeMemoryTracker"/>. Memory comes from the C runtime's zeroing allocator, so a large
/// buffer (a KV arena) costs nothing until its pages are first touched; alignment is 16 bytes (kernels
/// use unaligned vector loads). Not thread-safe to dispose concurrently with use.
/// </summary>
public sealed unsafe class NativeBuffer<T> : IDisposable where T : unmanaged
{
    private readonly MemoryBudget? _budget;
    private readonly MemoryCategory _category;
    private T* _pointer;

    /// <summary>Allocates <paramref name="length"/> elements, charging the budget first.</summary>
    /// <param name="length">Element count (may be 0).</param>
    /// <param name="budget">The budget to charge, or null for uncharged memory (tests, tools).</param>
    /// <param name="category">What the memory pays for.</param>
    /// <param name="what">Names the buffer in a budget error.</param>
    public NativeBuffer(long length, MemoryBudget? budget, MemoryCategory category, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        ByteLength = length * sizeof(T);
        _budget = budget;
        _category = category;
        budget?.Charge(category, ByteLength, what);
        nuint bytes = (nuint)Math.Max(ByteLength, 1);
        _pointer = (T*)NativeMemory.AllocZeroed(bytes);
        if (_pointer == null)
        {
            budget?.Release(category, ByteLength);
            throw new OutOfMemoryException($"Native allocation of {MemoryBudget.Format(ByteLength)} for {what} failed.");
        }
        NativeMemoryTracker.OnAllocated(ByteLength);
    }

    /// <summary>Element count.</summary>
    public long Length { get; }

    /// <summary>Size in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>The first element; throws after dispose.</summary>
    public T* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>The whole buffer as a span (buffers over 2^31 elements must use <see cref="Pointer"/>).</summary>
    public Span<T> Span => new(Pointer, checked((int)Length));

    /// <summary>A slice of the buffer.</summary>
    public Span<T> Slice(long start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, Length);
        return new Span<T>(Pointer + start, length);
    }

    /// <summary>Frees the memory and releases the budget charge. Idempotent.</summary>
    public void Dispose()
    {
        T* p = _pointer;
        if (p == null) return;
        _pointer = null;
        NativeMemory.Free(p);
        NativeMemoryTracker.OnFreed(ByteLength);
        _budget?.Release(_category, ByteLength);
    }
}
