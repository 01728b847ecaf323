using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Constants and send helpers shared by both ends of the remote-engine protocol (see <see cref="RemoteOp"/>).</summary>
public static class RemoteProtocol
{
    /// <summary>The protocol version a host announces in its hello reply; a client refuses a host with another.</summary>
    public const int Version = 3; // 3: Embed / EmbedReply; logprobs, logit bias and N in requests, logprobs and choice index in updates; output constraints

    /// <summary>Correlation id of frames that belong to no request (insert and evict events).</summary>
    public const long NoCorrelation = 0;

    /// <summary>Sends a control frame whose body <paramref name="body"/> starts with its <see cref="RemoteOp"/>.</summary>
    internal static ValueTask SendControlAsync(IKvTransport transport, long correlationId, ReadOnlyMemory<byte> body,
        FrameFlags flags = FrameFlags.None, CancellationToken cancellationToken = default) =>
        transport.SendAsync(new FrameHeader(MessageType.Control, correlationId, 0, flags), body, cancellationToken);

    /// <summary>Sends a control frame that is only its op byte.</summary>
    internal static ValueTask SendOpAsync(IKvTransport transport, long correlationId, RemoteOp op,
        FrameFlags flags = FrameFlags.None, CancellationToken cancellationToken = default) =>
        SendControlAsync(transport, correlationId, OpBytes[(int)op], flags, cancellationToken);

    /// <summary>The op of a control frame's payload; a frame without one is a protocol violation.</summary>
    internal static RemoteOp OpOf(in TransportFrame frame)
    {
        if (frame.Length == 0) RemoteThrowHelper.ThrowProtocol("control frame without an op byte");
        return (RemoteOp)frame.Payload[0];
    }

    private static readonly ReadOnlyMemory<byte>[] OpBytes = BuildOpBytes();

    private static ReadOnlyMemory<byte>[] BuildOpBytes()
    {
        var table = new ReadOnlyMemory<byte>[256];
        for (int i = 0; i < table.Length; i++) table[i] = new[] { (byte)i };
        return table;
    }
}
