using System.Text;
using MemServe.Transport;

namespace MemServe.Core.Tests.Transport;

public class FrameCodecTests
{
    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Crc32CHardwarePathMatchesTheTable()
    {
        byte[] data = FrameTestData.RandomBytes(new Random(1), 1001);
        for (int length = 0; length < data.Length; length += 37)
        {
            ReadOnlySpan<byte> span = data.AsSpan(0, length);
            Assert.Equal(Crc32C.Finish(Crc32C.UpdateTable(Crc32C.Seed, span)), Crc32C.Compute(span));
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 64)]
    [InlineData(4, 4096)]
    public async Task RandomFramesSurviveArbitrarySplitReads(int seed, int maxChunk)
    {
        var random = new Random(seed);
        var frames = new List<(FrameHeader, byte[])>();
        for (int i = 0; i < 25; i++)
        {
            var type = (MessageType)random.Next(1, 11);
            var header = new FrameHeader(type, random.NextInt64(), i, random.Next(2) == 0 ? FrameFlags.None : FrameFlags.EndOfTransfer);
            frames.Add((header, FrameTestData.RandomBytes(random, random.Next(0, 5000))));
        }
        byte[] wire = await FrameTestData.EncodeAsync(frames, chunkBytes: 333);

        var (decoded, error) = await FrameTestData.DecodeAsync(new TricklingStream(wire, maxChunk, seed));

        Assert.Null(error);
        Assert.Equal(frames.Count, decoded.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i].Item1, decoded[i].Header);
            Assert.Equal(frames[i].Item2, decoded[i].Payload);
        }
    }

    public static TheoryData<MessageType> AllTypes() => new(Enum.GetValues<MessageType>());

    [Theory]
    [MemberData(nameof(AllTypes))]
    public async Task EveryMessageTypeRoundTrips(MessageType type)
    {
        var header = new FrameHeader(type, -42, 7, FrameFlags.Response | FrameFlags.EndOfTransfer);
        byte[] payload = FrameTestData.RandomBytes(new Random((int)type), 100);

        byte[] wire = await FrameTestData.EncodeAsync([(header, payload)]);
        var (decoded, error) = await FrameTestData.DecodeAsync(new MemoryStream(wire));

        Assert.Null(error);
        Assert.Equal(header, Assert.Single(decoded).Header);
        Assert.Equal(payload, decoded[0].Payload);
    }

    [Fact]
    public async Task AFlippedByteAnywhereInAFrameIsRejectedAndNotDelivered()
    {
        var good = (new FrameHeader(MessageType.Control, 1), FrameTestData.RandomBytes(new Random(5), 40));
        var victim = (new FrameHeader(MessageType.KvBlocks, 2, 0, FrameFlags.EndOfTransfer), FrameTestData.RandomBytes(new Random(6), 40));
        byte[] wire = await FrameTestData.EncodeAsync([good, victim]);
        int victimStart = FrameFormat.HeaderBytes + 40 + FrameFormat.TrailerBytes;

        for (int at = victimStart; at < wire.Length; at++)
        {
            byte[] corrupted = (byte[])wire.Clone();
            corrupted[at] ^= 0xFF;

            var (decoded, error) = await FrameTestData.DecodeAsync(new TricklingStream(corrupted, 16, at));

            Assert.Single(decoded); // the good frame only
            Assert.NotNull(error);
            Assert.Equal(TransportErrorKind.CorruptFrame, error.Kind);
        }
    }

    [Fact]
    public async Task AnOversizedLengthIsRejectedBeforeThePayloadArrives()
    {
        byte[] wire = await FrameTestData.EncodeAsync([(new FrameHeader(MessageType.Control, 1), new byte[2000])]);

        var (decoded, error) = await FrameTestData.DecodeAsync(new MemoryStream(wire[..FrameFormat.HeaderBytes]), maxPayloadBytes: 1000);

        Assert.Empty(decoded);
        Assert.Equal(TransportErrorKind.CorruptFrame, error?.Kind);
    }
}
