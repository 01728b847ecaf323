using MemServe.Memory;
using MemServe.Runner;

namespace MemServe.Transport;

/// <summary>
/// Lands one KV transfer (aggregated or by layer) into destination blocks the caller allocated, position i of
/// the sender's block list going to <c>destinationBlocks[i]</c>. It never publishes anything: the caller reads
/// <see cref="IsComplete"/> or the <see cref="KvTransferResult"/> and publishes only after the data is whole.
/// Every frame is validated in full before any byte is written (type, transfer id, sequence, geometry, block
/// count, layers inside the destination, no layer twice). Not thread-safe: one transfer, one caller.
/// </summary>
public sealed class KvTransferReceiver
{
    private readonly KvBlockStorage _destination;
    private readonly int[] _blocks;
    private readonly LayerRange _expected;
    private readonly bool[] _landedLayers;  // (expected layer)
    private readonly bool[] _writtenBlocks; // (destination position)
    private readonly List<int> _written = [];

    /// <summary>Prepares to land transfer <paramref name="transferId"/> into <paramref name="destinationBlocks"/>
    /// (copied) of <paramref name="destination"/>, expecting <paramref name="expectedLayers"/> (default: every
    /// layer the destination holds).</summary>
    public KvTransferReceiver(KvBlockStorage destination, ReadOnlySpan<int> destinationBlocks, long transferId,
        LayerRange? expectedLayers = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        KvCacheLayout layout = destination.Layout;
        var held = new LayerRange(layout.FirstLayer, layout.FirstLayer + layout.LayerCount);
        _expected = expectedLayers ?? held;
        if (_expected.Count <= 0 || !held.Contains(_expected))
            throw new ArgumentOutOfRangeException(nameof(expectedLayers), _expected, $"must be non-empty and inside the destination's {held}");
        foreach (int id in destinationBlocks)
            if ((uint)id >= (uint)destination.BlockCount) throw new ArgumentOutOfRangeException(nameof(destinationBlocks), id, "block id outside the storage");
        _destination = destination;
        _blocks = destinationBlocks.ToArray();
        _landedLayers = new bool[_expected.Count];
        _writtenBlocks = new bool[_blocks.Length];
        TransferId = transferId;
    }

    /// <summary>The transfer (frame correlation id) this receiver accepts.</summary>
    public long TransferId { get; }

    /// <summary>True once the final frame landed and every expected layer is in.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Frames applied so far.</summary>
    public int FramesLanded { get; private set; }

    /// <summary>Destination blocks that received any data so far.</summary>
    public IReadOnlyList<int> WrittenBlocks => _written;

    /// <summary>Validates <paramref name="frame"/> and copies its data into the destination blocks. Throws
    /// <see cref="KvTransportException"/> (<see cref="TransportErrorKind.ProtocolViolation"/>) without writing
    /// anything when the frame does not belong here. Does not dispose the frame.</summary>
    public void Apply(in TransportFrame frame)
    {
        FrameHeader header = frame.Header;
        if (IsComplete) TransportThrowHelper.ThrowProtocol($"Transfer {TransferId} already completed; got another frame.");
        if (header.Type is not (MessageType.KvBlocks or MessageType.KvLayers))
            TransportThrowHelper.ThrowProtocol($"Expected a KV frame for transfer {TransferId}, got {header.Type}.");
        if (header.CorrelationId != TransferId || header.Sequence != FramesLanded)
            TransportThrowHelper.ThrowProtocol($"Frame {header.CorrelationId}#{header.Sequence} arrived where {TransferId}#{FramesLanded} was expected.");
        ReadOnlySpan<byte> payload = frame.Payload;
        KvPayloadHeader kv = KvPayloadHeader.Read(payload);
        Validate(kv, header);

        KvCacheLayout layout = _destination.Layout;
        long sliceBytes = kv.SliceBytes;
        long startFloats = (long)(kv.Layers.Start - layout.FirstLayer) * 2 * layout.PlaneFloats;
        ReadOnlySpan<byte> data = payload[KvPayloadHeader.Bytes..];
        for (int i = 0; i < _blocks.Length; i++)
        {
            MarkWritten(i);
            CopyIntoBlock(data.Slice((int)(i * sliceBytes), (int)sliceBytes), _blocks[i], startFloats);
        }
        for (int layer = kv.Layers.Start; layer < kv.Layers.End; layer++) _landedLayers[layer - _expected.Start] = true;
        FramesLanded++;
        if ((header.Flags & FrameFlags.EndOfTransfer) != 0) IsComplete = true;
    }

    /// <summary>Receives frames from a link dedicated to this transfer until it completes or fails, disposing
    /// each frame. Never throws for transport failures or cancellation: they come back in the result, with the
    /// blocks written so far for the caller to free.</summary>
    public async Task<KvTransferResult> ReceiveAsync(IKvTransport transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        try
        {
            while (!IsComplete)
            {
                TransportFrame frame = await transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                try { Apply(frame); }
                finally { frame.Dispose(); }
            }
            return Result(null);
        }
        catch (Exception ex) when (ex is KvTransportException or OperationCanceledException)
        {
            return Result(ex);
        }
    }

    /// <summary>The outcome so far (<paramref name="error"/> null and complete means success).</summary>
    public KvTransferResult Result(Exception? error) =>
        new(IsComplete && error is null, _written.ToArray(), FramesLanded, error);

    private void Validate(in KvPayloadHeader kv, in FrameHeader header)
    {
        KvCacheLayout layout = _destination.Layout;
        if (kv.KvHeads != layout.KvHeads || kv.HeadDim != layout.HeadDim || kv.BlockTokens != layout.BlockTokens || kv.ElementBytes != layout.ElementBytes)
            TransportThrowHelper.ThrowProtocol($"KV geometry {kv.KvHeads}x{kv.HeadDim}x{kv.BlockTokens} of {kv.ElementBytes}-byte elements does not match the destination's {layout}.");
        if (kv.BlockCount != _blocks.Length)
            TransportThrowHelper.ThrowProtocol($"Frame carries {kv.BlockCount} blocks; {_blocks.Length} were allocated.");
        if (!_expected.Contains(kv.Layers))
            TransportThrowHelper.ThrowProtocol($"Frame carries layers {kv.Layers} outside the expected {_expected}.");
        for (int layer = kv.Layers.Start; layer < kv.Layers.End; layer++)
            if (_landedLayers[layer - _expected.Start]) TransportThrowHelper.ThrowProtocol($"Layer {layer} arrived twice.");
        if ((header.Flags & FrameFlags.EndOfTransfer) != 0)
        {
            int missing = 0;
            for (int i = 0; i < _landedLayers.Length; i++)
                if (!_landedLayers[i] && !kv.Layers.Contains(_expected.Start + i)) missing++;
            if (missing > 0) TransportThrowHelper.ThrowProtocol($"Final frame arrived with {missing} expected layer(s) never sent.");
        }
    }

    private unsafe void CopyIntoBlock(ReadOnlySpan<byte> source, int blockId, long startFloats) =>
        source.CopyTo(new Span<byte>((byte*)(_destination.Block(blockId) + startFloats), source.Length));

    private void MarkWritten(int position)
    {
        if (_writtenBlocks[position]) return;
        _writtenBlocks[position] = true;
        _written.Add(_blocks[position]);
    }
}
