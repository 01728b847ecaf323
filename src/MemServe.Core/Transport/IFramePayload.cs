namespace MemServe.Transport;

/// <summary>
/// The bytes of a frame's payload, written by the transport straight into its send buffer (a pooled
/// array in process, the socket pipe over TCP) so a payload is copied exactly once on the way out.
/// Implementations are small structs over memory the caller owns; that memory must stay valid and
/// unchanged until <see cref="IKvTransport.SendAsync{TPayload}"/> completes.
/// </summary>
public interface IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    int Length { get; }

    /// <summary>Copies payload bytes <c>[offset, offset + destination.Length)</c> into <paramref name="destination"/>.
    /// The transport may call this several times, for consecutive pieces, in order.</summary>
    void CopyTo(int offset, Span<byte> destination);
}

/// <summary>A payload that is a byte buffer the caller owns.</summary>
public readonly struct BytesPayload : IFramePayload
{
    private readonly ReadOnlyMemory<byte> _bytes;

    /// <summary>Wraps <paramref name="bytes"/> (not copied until sent).</summary>
    public BytesPayload(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    /// <inheritdoc />
    public int Length => _bytes.Length;

    /// <inheritdoc />
    public void CopyTo(int offset, Span<byte> destination) =>
        _bytes.Span.Slice(offset, destination.Length).CopyTo(destination);
}
