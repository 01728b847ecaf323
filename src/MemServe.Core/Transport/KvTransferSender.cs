using MemServe.Memory;
using MemServe.Runner;

namespace MemServe.Transport;

/// <summary>
/// Sends the KV of a request's blocks in either of MemServe's two modes: <b>aggregated</b> (all layers of
/// all blocks in one frame, one network call per request) or <b>by layer</b> (one frame per layer range, sent
/// as prefill produces each range so the transfer overlaps compute). The blocks must stay allocated and
/// unchanged until the returned task completes. Thread-safety as the transport's.
/// </summary>
public static class KvTransferSender
{
    /// <summary>Sends every layer of <paramref name="blockIds"/> in one <see cref="MessageType.KvBlocks"/> frame
    /// marked <see cref="FrameFlags.EndOfTransfer"/>.</summary>
    public static ValueTask SendAggregatedAsync(IKvTransport transport, long transferId, KvBlockStorage storage,
        ReadOnlyMemory<int> blockIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return transport.SendAsync(new FrameHeader(MessageType.KvBlocks, transferId, 0, FrameFlags.EndOfTransfer),
            KvBlockPayload.AllLayers(storage, blockIds), cancellationToken);
    }

    /// <summary>Sends one layer range of <paramref name="blockIds"/> as frame <paramref name="sequence"/> of a
    /// by-layer stream; <paramref name="last"/> marks the final range. Call it as each range's KV is ready.</summary>
    public static ValueTask SendLayersAsync(IKvTransport transport, long transferId, int sequence, KvBlockStorage storage,
        ReadOnlyMemory<int> blockIds, LayerRange layers, bool last, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var header = new FrameHeader(MessageType.KvLayers, transferId, sequence, last ? FrameFlags.EndOfTransfer : FrameFlags.None);
        return transport.SendAsync(header, new KvBlockPayload(storage, blockIds, layers), cancellationToken);
    }

    /// <summary>Sends all layers of KV that is already computed as a by-layer stream of
    /// <paramref name="layersPerFrame"/> layers per frame (benchmarks, and re-sending stored KV).</summary>
    public static async ValueTask SendByLayerAsync(IKvTransport transport, long transferId, KvBlockStorage storage,
        ReadOnlyMemory<int> blockIds, int layersPerFrame = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentOutOfRangeException.ThrowIfLessThan(layersPerFrame, 1);
        KvCacheLayout layout = storage.Layout;
        int end = layout.FirstLayer + layout.LayerCount;
        int sequence = 0;
        for (int start = layout.FirstLayer; start < end; start += layersPerFrame)
        {
            var range = new LayerRange(start, Math.Min(end, start + layersPerFrame));
            await SendLayersAsync(transport, transferId, sequence++, storage, blockIds, range, range.End == end,
                cancellationToken).ConfigureAwait(false);
        }
    }
}
