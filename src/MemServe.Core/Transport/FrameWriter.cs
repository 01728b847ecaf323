using System.Buffers.Binary;
using System.IO.Pipelines;

namespace MemServe.Transport;

/// <summary>
/// Writes frames into a <see cref="PipeWriter"/>: header, payload in chunks of at most
/// <c>chunkBytes</c>, CRC-32C trailer computed on the way. It flushes after every chunk, so a full pipe
/// (the pipe's pause threshold) makes the writer wait in the middle of a large frame and the bytes the
/// sender holds stay below threshold + one chunk. Not thread-safe: the owner serializes frames.
/// </summary>
internal sealed class FrameWriter
{
    private readonly PipeWriter _writer;
    private readonly int _chunkBytes;
    private uint _crc;
    private long _written;

    public FrameWriter(PipeWriter writer, int chunkBytes)
    {
        _writer = writer;
        _chunkBytes = chunkBytes;
    }

    /// <summary>Total bytes written into the pipe so far (the owner subtracts what reached the wire).</summary>
    public long BytesWritten => Interlocked.Read(ref _written);

    /// <summary>Writes one whole frame. Returns false when the pipe's reader is gone (the connection died).</summary>
    public async ValueTask<bool> WriteAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken)
        where TPayload : IFramePayload
    {
        int length = payload.Length;
        WriteHeader(header, length);
        int offset = 0;
        while (offset < length)
        {
            offset += WriteChunk(payload, offset, length - offset);
            FlushResult flushed = await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled) return false;
        }
        WriteTrailer();
        FlushResult last = await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return !last.IsCompleted && !last.IsCanceled;
    }

    private void WriteHeader(in FrameHeader header, int payloadBytes)
    {
        Span<byte> span = _writer.GetSpan(FrameFormat.HeaderBytes)[..FrameFormat.HeaderBytes];
        FrameFormat.WriteHeader(span, header, payloadBytes);
        _crc = Crc32C.Update(Crc32C.Seed, span);
        Advance(FrameFormat.HeaderBytes);
    }

    private int WriteChunk<TPayload>(TPayload payload, int offset, int remaining) where TPayload : IFramePayload
    {
        int chunk = Math.Min(remaining, _chunkBytes);
        int done = 0;
        while (done < chunk)
        {
            Span<byte> span = _writer.GetSpan(Math.Min(chunk - done, 4096));
            int n = Math.Min(span.Length, chunk - done);
            span = span[..n];
            payload.CopyTo(offset + done, span);
            _crc = Crc32C.Update(_crc, span);
            Advance(n);
            done += n;
        }
        return chunk;
    }

    private void WriteTrailer()
    {
        Span<byte> span = _writer.GetSpan(FrameFormat.TrailerBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32C.Finish(_crc));
        Advance(FrameFormat.TrailerBytes);
    }

    private void Advance(int bytes)
    {
        _writer.Advance(bytes);
        Interlocked.Add(ref _written, bytes);
    }
}
