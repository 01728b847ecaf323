using MemServe.Transport;

namespace MemServe.Core.Tests.Transport;

public class InProcessTransportTests
{
    [Fact]
    public async Task FramesArriveInOrderWithTheirOwnCopyOfThePayload()
    {
        var (a, b) = KvTransports.CreateInProcessPair();
        await using var _ = a;
        await using var __ = b;
        byte[] payload = [1, 2, 3];

        await a.SendAsync(new FrameHeader(MessageType.Request, 9, 0), payload);
        payload[0] = 99; // the sender may reuse its buffer once the send completed
        await a.SendAsync(new FrameHeader(MessageType.HealthProbe, 10, 1));

        using (TransportFrame first = await b.ReceiveAsync())
        {
            Assert.Equal(new FrameHeader(MessageType.Request, 9, 0), first.Header);
            Assert.Equal([1, 2, 3], first.Payload.ToArray());
        }
        using TransportFrame second = await b.ReceiveAsync();
        Assert.Equal(MessageType.HealthProbe, second.Header.Type);
        Assert.Equal(0, second.Length);
    }

    [Fact]
    public async Task AReceiverThatStopsReadingMakesTheSenderWait()
    {
        var (a, b) = KvTransports.CreateInProcessPair(new InProcessTransportOptions { CapacityFrames = 4 });
        await using var _ = a;
        await using var __ = b;
        var payload = new byte[1000];

        for (int i = 0; i < 4; i++) await a.SendAsync(new FrameHeader(MessageType.Control, i), payload);
        ValueTask blocked = a.SendAsync(new FrameHeader(MessageType.Control, 4), payload);

        Assert.False(blocked.IsCompleted);
        Assert.Equal(4000, a.PendingSendBytes);

        (await b.ReceiveAsync()).Dispose();
        await blocked;
        Assert.Equal(4000, a.PendingSendBytes);
    }

    [Fact]
    public async Task ClosingOneEndFailsThePeerAfterItDrainsWhatWasQueued()
    {
        var (a, b) = KvTransports.CreateInProcessPair();
        await using var __ = b;
        await a.SendAsync(new FrameHeader(MessageType.InsertEvent, 1), new byte[8]);

        await a.DisposeAsync();

        (await b.ReceiveAsync()).Dispose();
        var receive = await Assert.ThrowsAsync<KvTransportException>(async () => await b.ReceiveAsync());
        Assert.Equal(TransportErrorKind.PeerGone, receive.Kind);
        var send = await Assert.ThrowsAsync<KvTransportException>(async () => await b.SendAsync(new FrameHeader(MessageType.Control, 2)));
        Assert.Equal(TransportErrorKind.PeerGone, send.Kind);
    }
}
