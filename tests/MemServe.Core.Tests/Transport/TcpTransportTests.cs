using System.Net;
using System.Net.Sockets;
using MemServe.Transport;

namespace MemServe.Core.Tests.Transport;

public class TcpTransportTests
{
    private static readonly TcpTransportOptions SmallBuffers = new()
    {
        BackPressureBytes = 256 << 10,
        ChunkBytes = 64 << 10,
        SocketBufferBytes = 64 << 10,
    };

    [Fact]
    public async Task RandomFramesRoundTripBothWays()
    {
        await using TcpTestPeers peers = await TcpTestPeers.ConnectAsync();
        var random = new Random(11);
        var sent = new List<byte[]>();
        for (int i = 0; i < 12; i++) sent.Add(FrameTestData.RandomBytes(random, random.Next(0, 300_000)));

        Task sending = Task.Run(async () =>
        {
            for (int i = 0; i < sent.Count; i++) await peers.Client.SendAsync(new FrameHeader(MessageType.Control, i, i), sent[i]);
        });
        for (int i = 0; i < sent.Count; i++)
        {
            using TransportFrame frame = await peers.Server.ReceiveAsync();
            Assert.Equal(i, frame.Header.Sequence);
            Assert.Equal(sent[i], frame.Payload.ToArray());
            await peers.Server.SendAsync(new FrameHeader(MessageType.TransferAck, i, i, FrameFlags.Response));
        }
        await sending;
        for (int i = 0; i < sent.Count; i++)
        {
            using TransportFrame ack = await peers.Client.ReceiveAsync();
            Assert.Equal(new FrameHeader(MessageType.TransferAck, i, i, FrameFlags.Response), ack.Header);
        }
    }

    [Fact]
    public async Task AReceiverThatStopsReadingBoundsTheSendersMemory()
    {
        await using TcpTestPeers peers = await TcpTestPeers.ConnectAsync(SmallBuffers, SmallBuffers);
        var payload = new byte[256 << 10];
        const int Frames = 64; // 16 MiB: far more than every buffer on the path holds
        int framesSent = 0;
        Task sending = Task.Run(async () =>
        {
            for (int i = 0; i < Frames; i++)
            {
                await peers.Client.SendAsync(new FrameHeader(MessageType.KvBlocks, i, i), payload);
                Interlocked.Increment(ref framesSent);
            }
        });

        long maxPending = 0;
        for (int i = 0; i < 100; i++) // observe for a while; nothing is read meanwhile
        {
            maxPending = Math.Max(maxPending, peers.Client.PendingSendBytes);
            await Task.Delay(10);
        }

        Assert.False(sending.IsCompleted);
        Assert.True(framesSent < Frames);
        Assert.True(maxPending <= SmallBuffers.BackPressureBytes + SmallBuffers.ChunkBytes + 64, $"pending {maxPending}");

        for (int i = 0; i < Frames; i++)
        {
            using TransportFrame frame = await peers.Server.ReceiveAsync();
            Assert.Equal(i, frame.Header.Sequence);
            Assert.Equal(payload.Length, frame.Length);
        }
        await sending;
    }

    [Fact]
    public async Task AReceiveTimesOutOnTheInjectedClockAndTheLinkStaysUsable()
    {
        var clock = new FakeTimeProvider();
        var options = new TcpTransportOptions { ReceiveTimeout = TimeSpan.FromSeconds(5), TimeProvider = clock };
        await using TcpTestPeers peers = await TcpTestPeers.ConnectAsync(options, options);

        ValueTask<TransportFrame> receive = peers.Server.ReceiveAsync();
        Assert.True(await TcpTestPeers.EventuallyAsync(() => clock.ArmedTimers > 0));
        clock.Advance(TimeSpan.FromSeconds(6));

        var error = await Assert.ThrowsAsync<KvTransportException>(async () => await receive);
        Assert.Equal(TransportErrorKind.Timeout, error.Kind);
        await peers.Client.SendAsync(new FrameHeader(MessageType.HealthProbe, 3));
        using TransportFrame frame = await peers.Server.ReceiveAsync();
        Assert.Equal(MessageType.HealthProbe, frame.Header.Type);
    }

    [Fact]
    public async Task ASendStuckOnBackPressureTimesOutAndDropsTheLink()
    {
        var clock = new FakeTimeProvider();
        var options = new TcpTransportOptions
        {
            BackPressureBytes = 64 << 10, ChunkBytes = 16 << 10, SocketBufferBytes = 16 << 10,
            SendTimeout = TimeSpan.FromSeconds(10), TimeProvider = clock,
        };
        await using TcpTestPeers peers = await TcpTestPeers.ConnectAsync(options, options);
        var payload = new byte[64 << 10];

        Task stuck = Task.CompletedTask;
        for (int i = 0; i < 1000; i++)
        {
            stuck = peers.Client.SendAsync(new FrameHeader(MessageType.Control, i), payload).AsTask();
            if (!await CompletesSoonAsync(stuck)) break;
        }
        Assert.False(stuck.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(11));

        var error = await Assert.ThrowsAsync<KvTransportException>(async () => await stuck);
        Assert.Equal(TransportErrorKind.Timeout, error.Kind);
        Assert.False(peers.Client.IsConnected);
    }

    [Fact]
    public async Task APendingSendFailsAsPeerGoneWhenThePeerCloses()
    {
        await using TcpTestPeers peers = await TcpTestPeers.ConnectAsync(SmallBuffers, SmallBuffers);
        var payload = new byte[256 << 10];
        Task stuck = Task.CompletedTask;
        for (int i = 0; i < 1000; i++)
        {
            stuck = peers.Client.SendAsync(new FrameHeader(MessageType.Control, i), payload).AsTask();
            if (!await CompletesSoonAsync(stuck)) break;
        }
        Assert.False(stuck.IsCompleted);

        await peers.Server.DisposeAsync();

        var error = await Assert.ThrowsAsync<KvTransportException>(async () => await stuck);
        Assert.Equal(TransportErrorKind.PeerGone, error.Kind);
    }

    [Fact]
    public async Task TheClientReconnectsAfterTheListenerRestarts()
    {
        var options = new TcpTransportOptions { ReconnectBaseDelay = TimeSpan.FromMilliseconds(5), ConnectAttempts = 20 };
        TcpKvListener first = KvTransports.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), options);
        IPEndPoint endPoint = first.LocalEndPoint;
        ValueTask<IKvTransport> accept = first.AcceptAsync();
        await using IKvTransport client = await KvTransports.ConnectTcpAsync(endPoint, options);
        IKvTransport oldServer = await accept;
        await client.SendAsync(new FrameHeader(MessageType.Control, 1));
        (await oldServer.ReceiveAsync()).Dispose();

        await oldServer.DisposeAsync();
        await first.DisposeAsync();
        Assert.True(await TcpTestPeers.EventuallyAsync(() => !client.IsConnected));
        await using TcpKvListener second = KvTransports.ListenTcp(endPoint, options);
        ValueTask<IKvTransport> acceptAgain = second.AcceptAsync();

        await client.SendAsync(new FrameHeader(MessageType.Control, 2));

        await using IKvTransport newServer = await acceptAgain;
        using TransportFrame frame = await newServer.ReceiveAsync();
        Assert.Equal(2, frame.Header.CorrelationId);
    }

    [Fact]
    public async Task AnUnreachableEndpointFailsWithAClearError()
    {
        var options = new TcpTransportOptions { ConnectAttempts = 3, ReconnectBaseDelay = TimeSpan.FromMilliseconds(1) };

        var error = await Assert.ThrowsAsync<KvTransportException>(
            async () => await KvTransports.ConnectTcpAsync(TcpTestPeers.UnusedEndPoint(), options));

        Assert.Equal(TransportErrorKind.Unreachable, error.Kind);
        Assert.Contains("3 attempt", error.Message);
    }

    [Fact]
    public async Task ACorruptedFrameOnTheWireIsRejectedAndTheLinkDropped()
    {
        await using TcpKvListener listener = KvTransports.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        ValueTask<IKvTransport> accept = listener.AcceptAsync();
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(listener.LocalEndPoint);
        await using IKvTransport server = await accept;
        byte[] wire = await FrameTestData.EncodeAsync([(new FrameHeader(MessageType.KvBlocks, 5), new byte[100])]);
        wire[FrameFormat.HeaderBytes + 50] ^= 0x01;

        await raw.SendAsync(wire);

        var error = await Assert.ThrowsAsync<KvTransportException>(async () => await server.ReceiveAsync());
        Assert.Equal(TransportErrorKind.CorruptFrame, error.Kind);
        Assert.False(server.IsConnected);
    }

    /// <summary>True when the send completes within a short grace period (a send that is not done by then is
    /// waiting on back-pressure: nothing reads the other end).</summary>
    private static async Task<bool> CompletesSoonAsync(Task task)
    {
        for (int i = 0; i < 50 && !task.IsCompleted; i++) await Task.Delay(10);
        if (task.IsCompleted) await task;
        return task.IsCompleted;
    }
}
