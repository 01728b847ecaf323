namespace MemServe.Transport;

/// <summary>
/// One bidirectional link between two engine instances that moves typed, checksummed frames (KV block
/// payloads, hidden states, control messages). Built-in adapters are created through <see cref="KvTransports"/>.
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="SendAsync{TPayload}"/> may be called from any number of threads; each frame
/// goes out whole and frames from one caller keep their order. <see cref="ReceiveAsync"/> has one reader
/// at a time. Back-pressure: a send waits (asynchronously) while the link holds its configured maximum of
/// unsent bytes, so a receiver that stops reading bounds the sender's memory. Failures throw
/// <see cref="KvTransportException"/> with a <see cref="TransportErrorKind"/>; a corrupted frame is never
/// delivered, the link is dropped instead. Disposal closes the link; the peer's pending operations then
/// fail with <see cref="TransportErrorKind.PeerGone"/>.
/// </remarks>
public interface IKvTransport : IAsyncDisposable
{
    /// <summary>Names the peer in errors and logs (an endpoint, or "in-process").</summary>
    string PeerName { get; }

    /// <summary>True while the link is up (a reconnecting client reports its current connection).</summary>
    bool IsConnected { get; }

    /// <summary>Bytes accepted by <see cref="SendAsync{TPayload}"/> that the peer has not yet taken
    /// (still in this side's buffers). Bounded by the link's back-pressure threshold plus one chunk.</summary>
    long PendingSendBytes { get; }

    /// <summary>Sends one frame. Completes when the frame is in the link's buffers (not when the peer
    /// has read it); waits while the link is full. Cancelling a send that has started writing closes
    /// the link (a half-written frame cannot be taken back).</summary>
    /// <param name="header">Type, correlation id, sequence and flags.</param>
    /// <param name="payload">The payload; its memory must stay valid until the returned task completes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    ValueTask SendAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken = default)
        where TPayload : IFramePayload;

    /// <summary>Waits for the next frame. The caller owns the returned frame and must dispose it.
    /// Throws <see cref="KvTransportException"/> with <see cref="TransportErrorKind.PeerGone"/> once the peer has
    /// closed and every frame it sent has been received.</summary>
    ValueTask<TransportFrame> ReceiveAsync(CancellationToken cancellationToken = default);
}
