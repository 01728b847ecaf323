using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// KV held on a remote instance (a prefill's prompt KV or an exported prefix) under a handle on the connection
/// that created it. <see cref="SendAsync"/> has the host send the blocks back as one aggregated <c>KvBlocks</c>
/// frame and forwards that frame onto the caller's link under the caller's transfer id. Disposal releases the
/// host's blocks (best effort; the host also releases everything when the connection ends). Thread-safe.
/// </summary>
internal sealed class RemoteKvSource(RemoteEngine owner, RemoteConnection connection, long handle, int blockCount, int tokenCount)
    : IKvSource
{
    private int _disposed;

    public string InstanceId => owner.Id;

    public int BlockCount => blockCount;

    public int TokenCount => tokenCount;

    public async ValueTask SendAsync(IKvTransport link, long transferId, int fromBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentOutOfRangeException.ThrowIfNegative(fromBlock);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromBlock, BlockCount);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var w = new WireWriter(16);
        RemoteKvMessages.WriteHandle(w, RemoteOp.KvSend, handle, fromBlock);
        byte[] payload = await connection.CallAsync(owner.NextId(), MessageType.Control, w.Written, "a KV send",
            Timeout.InfiniteTimeSpan, null, cancellationToken).ConfigureAwait(false);
        await link.SendAsync(new FrameHeader(MessageType.KvBlocks, transferId, 0, FrameFlags.EndOfTransfer), payload, cancellationToken)
            .ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !connection.IsOpen) return;
        using var w = new WireWriter(16);
        RemoteKvMessages.WriteHandle(w, RemoteOp.KvRelease, handle, 0);
        try
        {
            await RemoteProtocol.SendControlAsync(connection.Transport, owner.NextId(), w.Written).ConfigureAwait(false);
        }
        catch (KvTransportException)
        {
            // The connection is gone; the host released everything it held for it.
        }
    }
}
