namespace MemServe.Model;

/// <summary>
/// A read-only view of one tensor's bytes, row-major, in its stored dtype. The memory belongs to
/// the <see cref="ITensorSource"/> that produced it and stays valid until that source is disposed.
/// </summary>
/// <param name="Name">The checkpoint name (e.g. <c>model.layers.0.mlp.up_proj.weight</c>).</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Pointer">Address of the first element.</param>
/// <param name="ByteLength">Element count × element size.</param>
public readonly record struct TensorRef(string Name, DType DType, long[] Shape, nint Pointer, long ByteLength)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>The raw bytes. Valid while the owning source is alive.</summary>
    public unsafe ReadOnlySpan<byte> Bytes => new((void*)Pointer, checked((int)ByteLength));

    /// <summary>The shape as <c>[a, b]</c>, for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// Something that holds named tensors: a memory-mapped safetensors checkpoint, or weights built in
/// memory (the embedded default model). Thread-safe for concurrent reads.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>All tensor names, in no particular order.</summary>
    IEnumerable<string> TensorNames { get; }

    /// <summary>Looks a tensor up by its checkpoint name.</summary>
    bool TryGetTensor(string name, out TensorRef tensor);

    /// <summary>Bytes of all tensors held (what loading charges to the memory budget).</summary>
    long TotalBytes { get; }
}
