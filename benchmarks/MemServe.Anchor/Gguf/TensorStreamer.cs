namespace MemServe.Anchor.Gguf;

/// <summary>
/// Streams one tensor's data to a file: slabs of <see cref="SlabElements"/> values, each filled and encoded in
/// parallel pieces of <see cref="PieceElements"/> (multiples of the Q8_0 block), then written in order.
/// </summary>
internal static class TensorStreamer
{
    public const int PieceElements = 1 << 16;
    public const int SlabElements = 64 * PieceElements;

    public static void Write(Stream stream, GgufTensor tensor)
    {
        long total = tensor.ElementCount;
        int blockElements = GgmlTypeInfo.BlockElements(tensor.Type), blockBytes = GgmlTypeInfo.BlockBytes(tensor.Type);
        byte[] slab = new byte[GgmlTypeInfo.ByteCount(tensor.Type, (long)Math.Min(total, SlabElements) / blockElements * blockElements)];
        for (long start = 0; start < total; start += SlabElements)
        {
            int count = (int)Math.Min(SlabElements, total - start);
            int pieces = (count + PieceElements - 1) / PieceElements;
            Parallel.For(0, pieces, () => new float[PieceElements], (p, _, values) =>
            {
                int first = p * PieceElements, n = Math.Min(PieceElements, count - first);
                Span<float> span = values.AsSpan(0, n);
                tensor.Fill(start + first, span);
                TensorEncoder.Encode(tensor.Type, span, slab.AsSpan(first / blockElements * blockBytes, n / blockElements * blockBytes));
                return values;
            }, _ => { });
            stream.Write(slab, 0, count / blockElements * blockBytes);
        }
    }
}
