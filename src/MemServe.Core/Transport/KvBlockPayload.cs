using MemServe.Memory;
using MemServe.Runner;

namespace MemServe.Transport;

/// <summary>
/// A KV frame's payload read straight out of a <see cref="KvBlockStorage"/>: a <see cref="KvPayloadHeader"/>
/// then, for each block id in order, the contiguous run of the requested layer range. The transport copies
/// from the blocks into its send buffer, so the data is copied once on the way out. The blocks must not be
/// freed or written until the send completes.
/// </summary>
public readonly unsafe struct KvBlockPayload : IFramePayload
{
    private readonly KvBlockStorage _storage;
    private readonly ReadOnlyMemory<int> _blockIds;
    private readonly KvPayloadHeader _header;
    private readonly long _sliceStartFloats;

    /// <summary>Payload of <paramref name="layers"/> (absolute layers, inside the storage's layout) of
    /// <paramref name="blockIds"/>.</summary>
    public KvBlockPayload(KvBlockStorage storage, ReadOnlyMemory<int> blockIds, LayerRange layers)
    {
        ArgumentNullException.ThrowIfNull(storage);
        KvCacheLayout layout = storage.Layout;
        var held = new LayerRange(layout.FirstLayer, layout.FirstLayer + layout.LayerCount);
        if (layers.Count <= 0 || !held.Contains(layers))
            throw new ArgumentOutOfRangeException(nameof(layers), layers, $"layer range must be non-empty and inside the storage's {held}");
        foreach (int id in blockIds.Span)
            if ((uint)id >= (uint)storage.BlockCount) throw new ArgumentOutOfRangeException(nameof(blockIds), id, "block id outside the storage");
        _storage = storage;
        _blockIds = blockIds;
        _header = KvPayloadHeader.For(layout, blockIds.Length, layers);
        if (_header.PayloadBytes > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(blockIds), $"{_header.PayloadBytes} bytes do not fit one frame; send fewer blocks per frame");
        _sliceStartFloats = (long)(layers.Start - layout.FirstLayer) * 2 * layout.PlaneFloats;
    }

    /// <summary>Payload of every layer of <paramref name="blockIds"/> (the aggregated "huge block" frame).</summary>
    public static KvBlockPayload AllLayers(KvBlockStorage storage, ReadOnlyMemory<int> blockIds)
    {
        ArgumentNullException.ThrowIfNull(storage);
        KvCacheLayout layout = storage.Layout;
        return new KvBlockPayload(storage, blockIds, new LayerRange(layout.FirstLayer, layout.FirstLayer + layout.LayerCount));
    }

    /// <summary>The header this payload starts with.</summary>
    public KvPayloadHeader Header => _header;

    /// <inheritdoc />
    public int Length => (int)_header.PayloadBytes;

    /// <inheritdoc />
    public void CopyTo(int offset, Span<byte> destination)
    {
        if (offset < KvPayloadHeader.Bytes)
        {
            Span<byte> header = stackalloc byte[KvPayloadHeader.Bytes];
            _header.Write(header);
            int n = Math.Min(KvPayloadHeader.Bytes - offset, destination.Length);
            header.Slice(offset, n).CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
        long slice = _header.SliceBytes;
        ReadOnlySpan<int> ids = _blockIds.Span;
        while (!destination.IsEmpty)
        {
            long dataOffset = offset - KvPayloadHeader.Bytes;
            int block = (int)(dataOffset / slice);
            long within = dataOffset - block * slice;
            int n = (int)Math.Min(slice - within, destination.Length);
            byte* source = (byte*)(_storage.Block(ids[block]) + _sliceStartFloats) + within;
            new ReadOnlySpan<byte>(source, n).CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
    }
}
