namespace MemServe.Transport;

/// <summary>Convenience overloads over <see cref="IKvTransport"/>.</summary>
public static class KvTransportExtensions
{
    /// <summary>Sends <paramref name="payload"/> (copied once, into the link's buffers).</summary>
    public static ValueTask SendAsync(this IKvTransport transport, FrameHeader header, ReadOnlyMemory<byte> payload,
        CancellationToken cancellationToken = default) =>
        transport.SendAsync(header, new BytesPayload(payload), cancellationToken);

    /// <summary>Sends a frame with an empty payload (a health probe, an acknowledgement).</summary>
    public static ValueTask SendAsync(this IKvTransport transport, FrameHeader header,
        CancellationToken cancellationToken = default) =>
        transport.SendAsync(header, new BytesPayload(ReadOnlyMemory<byte>.Empty), cancellationToken);
}
