namespace MemServe.Anchor.Gguf;

/// <summary>Produces the FP32 values of elements [<paramref name="start"/>, start + destination.Length) of a
/// tensor (row-major, innermost dimension fastest). Called from several threads at once for disjoint ranges.</summary>
internal delegate void TensorFill(long start, Span<float> destination);

/// <summary>A tensor as the GGUF writer lays it out: dims innermost first, offset relative to the data section.</summary>
internal sealed record GgufTensor(string Name, GgmlType Type, long[] Dims, long Offset, long Bytes, TensorFill Fill)
{
    public long ElementCount => Bytes / GgmlTypeInfo.BlockBytes(Type) * GgmlTypeInfo.BlockElements(Type);
}
