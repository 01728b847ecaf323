namespace MemServe.Anchor.Gguf;

/// <summary>The ggml tensor types the anchor writes, with their numeric ids in a GGUF tensor info.</summary>
internal enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
    BF16 = 30,
}

/// <summary>Block sizes of <see cref="GgmlType"/>: elements per block and bytes per block.</summary>
internal static class GgmlTypeInfo
{
    /// <summary>Q8_0: one FP16 scale then 32 int8 values.</summary>
    public const int Q8BlockElements = 32;
    public const int Q8BlockBytes = 2 + Q8BlockElements;

    public static int BlockElements(GgmlType type) => type == GgmlType.Q8_0 ? Q8BlockElements : 1;

    public static int BlockBytes(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q8_0 => Q8BlockBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    /// <summary>Bytes of <paramref name="elements"/> values of <paramref name="type"/>; a multiple of the block size.</summary>
    public static long ByteCount(GgmlType type, long elements)
    {
        int block = BlockElements(type);
        if (elements % block != 0) throw new ArgumentException($"{type} needs a multiple of {block} elements, got {elements}", nameof(elements));
        return elements / block * BlockBytes(type);
    }
}
