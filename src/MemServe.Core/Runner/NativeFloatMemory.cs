using System.Buffers;

namespace MemServe.Runner;

/// <summary>
/// Exposes a borrowed native float range as <see cref="Memory{T}"/> (for <see cref="ForwardOutput"/> and
/// <see cref="HiddenStates"/>). Does not own the memory: the owner frees it and must outlive every use.
/// </summary>
internal sealed unsafe class NativeFloatMemory(float* pointer, int length) : MemoryManager<float>
{
    /// <inheritdoc />
    public override Span<float> GetSpan() => new(pointer, length);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
    }
}
