using System.Buffers;

namespace MemServe.Transport;

/// <summary>
/// A frame that arrived, checksum verified. The payload lives in a buffer rented from
/// <see cref="ArrayPool{T}.Shared"/>; the receiver owns it and must call <see cref="Dispose"/> exactly
/// once when done (copies of this struct share the buffer, so dispose only one of them). The payload
/// must not be used after disposal.
/// </summary>
public readonly struct TransportFrame : IDisposable
{
    private readonly byte[]? _rented;

    internal TransportFrame(FrameHeader header, byte[]? rented, int length)
    {
        Header = header;
        _rented = rented;
        Length = length;
    }

    /// <summary>The frame's typed header.</summary>
    public FrameHeader Header { get; }

    /// <summary>Payload size in bytes.</summary>
    public int Length { get; }

    /// <summary>The payload bytes.</summary>
    public ReadOnlySpan<byte> Payload => _rented is null ? default : _rented.AsSpan(0, Length);

    /// <summary>The payload as memory (valid until <see cref="Dispose"/>).</summary>
    public ReadOnlyMemory<byte> PayloadMemory => _rented is null ? default : _rented.AsMemory(0, Length);

    /// <summary>Rents a buffer for a payload of <paramref name="length"/> bytes.</summary>
    internal static byte[]? Rent(int length) => length == 0 ? null : ArrayPool<byte>.Shared.Rent(length);

    /// <summary>Returns the payload buffer to the pool.</summary>
    public void Dispose()
    {
        if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
    }
}
