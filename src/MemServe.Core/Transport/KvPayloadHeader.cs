using System.Buffers.Binary;
using MemServe.Memory;
using MemServe.Runner;

namespace MemServe.Transport;

/// <summary>
/// The first <see cref="Bytes"/> bytes of a <see cref="MessageType.KvBlocks"/> or <see cref="MessageType.KvLayers"/>
/// payload: <c>[i32 block count][i32 first layer][i32 end layer][i32 kv heads][i32 head dim][i32 block tokens]
/// [i32 element bytes]</c>. Block data follows: for each block, in the sender's block order, the elements (FP32 or
/// BF16) of the layer range, which the
/// block layout keeps contiguous (<c>layers × [K|V][kv head][token][head dim]</c>).
/// </summary>
/// <param name="BlockCount">Blocks in the frame.</param>
/// <param name="Layers">Absolute model layers carried.</param>
/// <param name="KvHeads">KV heads per layer.</param>
/// <param name="HeadDim">Head width.</param>
/// <param name="BlockTokens">Tokens per block.</param>
/// <param name="ElementBytes">Bytes per element: 4 (FP32 cache) or 2 (BF16).</param>
public readonly record struct KvPayloadHeader(int BlockCount, LayerRange Layers, int KvHeads, int HeadDim, int BlockTokens, int ElementBytes)
{
    /// <summary>Encoded size.</summary>
    public const int Bytes = 28;

    /// <summary>Bytes of one block's slice (the layer range of one block).</summary>
    public long SliceBytes => (long)Layers.Count * 2 * KvHeads * BlockTokens * HeadDim * ElementBytes;

    /// <summary>Whole payload size, header included.</summary>
    public long PayloadBytes => Bytes + SliceBytes * BlockCount;

    /// <summary>The header of blocks of <paramref name="layout"/> carrying <paramref name="layers"/>.</summary>
    public static KvPayloadHeader For(KvCacheLayout layout, int blockCount, LayerRange layers) =>
        new(blockCount, layers, layout.KvHeads, layout.HeadDim, layout.BlockTokens, layout.ElementBytes);

    /// <summary>Encodes into <paramref name="destination"/> (at least <see cref="Bytes"/> long).</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, BlockCount);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Layers.Start);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], Layers.End);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], KvHeads);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], HeadDim);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], BlockTokens);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], ElementBytes);
    }

    /// <summary>Decodes; a payload too short for its header or for the data it announces throws
    /// <see cref="KvTransportException"/> (<see cref="TransportErrorKind.ProtocolViolation"/>).</summary>
    public static KvPayloadHeader Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Bytes) TransportThrowHelper.ThrowProtocol($"KV payload of {payload.Length} bytes is shorter than its header.");
        var header = new KvPayloadHeader(
            BinaryPrimitives.ReadInt32LittleEndian(payload),
            new LayerRange(BinaryPrimitives.ReadInt32LittleEndian(payload[4..]), BinaryPrimitives.ReadInt32LittleEndian(payload[8..])),
            BinaryPrimitives.ReadInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[24..]));
        if (header.BlockCount < 0 || header.Layers.Count <= 0 || header.Layers.Start < 0 || header.KvHeads <= 0
            || header.HeadDim <= 0 || header.BlockTokens <= 0 || header.ElementBytes is not (2 or 4) || header.PayloadBytes != payload.Length)
            TransportThrowHelper.ThrowProtocol($"KV payload header {header} does not match its {payload.Length} bytes.");
        return header;
    }
}
