using System.IO.Pipelines;
using MemServe.Transport;

namespace MemServe.Core.Tests.Transport;

/// <summary>Encodes and decodes frames through the real writer and reader, for codec tests.</summary>
internal static class FrameTestData
{
    public static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public static async Task<byte[]> EncodeAsync(IEnumerable<(FrameHeader Header, byte[] Payload)> frames, int chunkBytes = 1000)
    {
        var stream = new MemoryStream();
        PipeWriter pipe = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        var writer = new FrameWriter(pipe, chunkBytes);
        foreach ((FrameHeader header, byte[] payload) in frames)
            Assert.True(await writer.WriteAsync(header, new BytesPayload(payload), CancellationToken.None));
        await pipe.CompleteAsync();
        return stream.ToArray();
    }

    /// <summary>Reads frames until the stream ends or a frame is rejected; returns what was delivered and the error.</summary>
    public static async Task<(List<(FrameHeader Header, byte[] Payload)> Frames, KvTransportException? Error)> DecodeAsync(
        Stream stream, int maxPayloadBytes = 1 << 20)
    {
        var reader = new FrameReader(PipeReader.Create(stream), maxPayloadBytes);
        var frames = new List<(FrameHeader, byte[])>();
        while (true)
        {
            try
            {
                using TransportFrame frame = await reader.ReadAsync("test", CancellationToken.None);
                frames.Add((frame.Header, frame.Payload.ToArray()));
            }
            catch (KvTransportException ex) when (ex.Kind == TransportErrorKind.PeerGone)
            {
                return (frames, null);
            }
            catch (KvTransportException ex)
            {
                return (frames, ex);
            }
        }
    }
}
