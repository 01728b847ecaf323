using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace MemServe.Transport;

/// <summary>
/// Parses frames from a <see cref="PipeReader"/>, however the bytes are split into reads. A frame is
/// delivered only after its whole payload and trailer arrived and the CRC-32C matched; a bad header
/// (length over the limit, wrong magic, unknown type or flag) is rejected as soon as its header bytes
/// are in, without waiting for the payload. After a rejection the stream is out of step: the owner
/// must drop the connection. Not thread-safe (one reader).
/// </summary>
internal sealed class FrameReader
{
    private readonly PipeReader _reader;
    private readonly int _maxPayloadBytes;

    public FrameReader(PipeReader reader, int maxPayloadBytes)
    {
        _reader = reader;
        _maxPayloadBytes = maxPayloadBytes;
    }

    /// <summary>Reads the next frame. End of stream between frames throws <see cref="TransportErrorKind.PeerGone"/>;
    /// in the middle of a frame, <see cref="TransportErrorKind.CorruptFrame"/> (truncated).</summary>
    public async ValueTask<TransportFrame> ReadAsync(string peerName, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryParse(ref buffer, out TransportFrame frame))
            {
                _reader.AdvanceTo(buffer.Start);
                return frame;
            }
            if (result.IsCompleted)
            {
                bool midFrame = !buffer.IsEmpty;
                _reader.AdvanceTo(buffer.End);
                if (midFrame) TransportThrowHelper.ThrowCorrupt($"stream ended inside a frame ({buffer.Length} bytes left)");
                TransportThrowHelper.ThrowPeerGone(peerName);
            }
            if (result.IsCanceled) TransportThrowHelper.ThrowPeerGone(peerName);
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Parses one frame off the front of <paramref name="buffer"/> when it is complete; on success
    /// <paramref name="buffer"/> is moved past it.</summary>
    private bool TryParse(ref ReadOnlySequence<byte> buffer, out TransportFrame frame)
    {
        frame = default;
        if (buffer.Length < FrameFormat.HeaderBytes) return false;

        Span<byte> header = stackalloc byte[FrameFormat.HeaderBytes];
        buffer.Slice(0, FrameFormat.HeaderBytes).CopyTo(header);
        FrameHeader parsed = FrameFormat.ReadHeader(header, _maxPayloadBytes, out int payloadBytes);
        long frameBytes = (long)FrameFormat.HeaderBytes + payloadBytes + FrameFormat.TrailerBytes;
        if (buffer.Length < frameBytes) return false;

        uint crc = Crc32C.Update(Crc32C.Seed, header);
        byte[]? rented = TransportFrame.Rent(payloadBytes);
        ReadOnlySequence<byte> payload = buffer.Slice(FrameFormat.HeaderBytes, payloadBytes);
        if (rented is not null)
        {
            payload.CopyTo(rented);
            crc = Crc32C.Update(crc, rented.AsSpan(0, payloadBytes));
        }

        Span<byte> trailer = stackalloc byte[FrameFormat.TrailerBytes];
        buffer.Slice(FrameFormat.HeaderBytes + payloadBytes, FrameFormat.TrailerBytes).CopyTo(trailer);
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != Crc32C.Finish(crc))
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            TransportThrowHelper.ThrowCorrupt($"checksum mismatch on a {parsed.Type} frame of {payloadBytes} bytes");
        }

        buffer = buffer.Slice(frameBytes);
        frame = new TransportFrame(parsed, rented, payloadBytes);
        return true;
    }
}
