using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Host side of a decode or import call: an <see cref="IKvSource"/> whose blocks live wherever the client's
/// source is. <see cref="SendAsync"/> asks the client for blocks from a given one (a <see cref="RemoteOp.KvPull"/>
/// under the call's correlation id), waits for the client's aggregated <c>KvBlocks</c> frame and forwards it
/// onto the landing link under the landing's transfer id. One pull at a time per call. Disposal does nothing:
/// the client owns the real source.
/// </summary>
internal sealed class ForwardedKvSource(HostKvOperations operations, long callId, RemoteKvMessages.SourceShape shape) : IKvSource
{
    public string InstanceId => shape.InstanceId;

    public int BlockCount => shape.BlockCount;

    public int TokenCount => shape.TokenCount;

    public async ValueTask SendAsync(IKvTransport link, long transferId, int fromBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        byte[] payload = await operations.PullAsync(callId, fromBlock, cancellationToken).ConfigureAwait(false);
        await link.SendAsync(new FrameHeader(MessageType.KvBlocks, transferId, 0, FrameFlags.EndOfTransfer), payload, cancellationToken)
            .ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
