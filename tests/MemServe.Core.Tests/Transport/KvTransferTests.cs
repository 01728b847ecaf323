using System.Runtime.InteropServices;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;
using MemServe.Transport;

namespace MemServe.Core.Tests.Transport;

public class KvTransferTests
{
    private static readonly KvCacheLayout Layout = new(FirstLayer: 0, LayerCount: 4, KvHeads: 2, HeadDim: 8, BlockTokens: 16);
    private static readonly int[] SourceBlocks = [3, 1, 5];
    private static readonly int[] DestinationBlocks = [0, 2, 4];

    [Theory]
    [InlineData(KvTransports.InProcess)]
    [InlineData(KvTransports.Tcp)]
    public async Task AggregatedKvLandsBitExactly(string transport)
    {
        using KvBlockStorage source = FilledStorage(Layout, seed: 1);
        using var destination = new KvBlockStorage(Layout, 6, budget: null);
        await using Link link = await Link.OpenAsync(transport);
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 77);

        Task<KvTransferResult> receiving = receiver.ReceiveAsync(link.Receiver);
        await KvTransferSender.SendAggregatedAsync(link.Sender, 77, source, SourceBlocks);
        KvTransferResult result = await receiving;

        Assert.True(result.Completed, result.Error?.Message);
        Assert.Equal(1, result.FramesLanded);
        AssertBlocksEqual(source, SourceBlocks, destination, DestinationBlocks);
    }

    [Theory]
    [InlineData(KvTransports.InProcess, 1)]
    [InlineData(KvTransports.Tcp, 1)]
    [InlineData(KvTransports.Tcp, 3)]
    public async Task ByLayerKvLandsBitExactly(string transport, int layersPerFrame)
    {
        using KvBlockStorage source = FilledStorage(Layout, seed: 2);
        using var destination = new KvBlockStorage(Layout, 6, budget: null);
        await using Link link = await Link.OpenAsync(transport);
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 5);

        Task<KvTransferResult> receiving = receiver.ReceiveAsync(link.Receiver);
        await KvTransferSender.SendByLayerAsync(link.Sender, 5, source, SourceBlocks, layersPerFrame);
        KvTransferResult result = await receiving;

        Assert.True(result.Completed, result.Error?.Message);
        Assert.Equal((Layout.LayerCount + layersPerFrame - 1) / layersPerFrame, result.FramesLanded);
        AssertBlocksEqual(source, SourceBlocks, destination, DestinationBlocks);
    }

    [Fact]
    public async Task AStageHoldingSomeLayersReceivesOnlyItsRange()
    {
        using KvBlockStorage source = FilledStorage(Layout, seed: 3);
        var stageLayout = Layout with { FirstLayer = 2, LayerCount = 2 };
        using var stage = new KvBlockStorage(stageLayout, 1, budget: null);
        var (sender, receiverEnd) = KvTransports.CreateInProcessPair();
        await using var _ = sender;
        await using var __ = receiverEnd;
        var receiver = new KvTransferReceiver(stage, [0], transferId: 1);

        await KvTransferSender.SendLayersAsync(sender, 1, 0, source, new[] { 5 }, new LayerRange(2, 4), last: true);
        KvTransferResult result = await receiver.ReceiveAsync(receiverEnd);

        Assert.True(result.Completed);
        long offset = Layout.Offset(2, value: false, head: 0, token: 0);
        Assert.True(source.BlockSpan(5)[(int)offset..].SequenceEqual(stage.BlockSpan(0)));
    }

    [Fact]
    public async Task AnInterruptedStreamReportsTheBlocksItWrote()
    {
        using KvBlockStorage source = FilledStorage(Layout, seed: 4);
        using var destination = new KvBlockStorage(Layout, 6, budget: null);
        var (sender, receiverEnd) = KvTransports.CreateInProcessPair();
        await using var __ = receiverEnd;
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 9);

        await KvTransferSender.SendLayersAsync(sender, 9, 0, source, SourceBlocks, new LayerRange(0, 1), last: false);
        await KvTransferSender.SendLayersAsync(sender, 9, 1, source, SourceBlocks, new LayerRange(1, 2), last: false);
        await sender.DisposeAsync(); // the prefill instance died mid-stream
        KvTransferResult result = await receiver.ReceiveAsync(receiverEnd);

        Assert.False(result.Completed);
        Assert.Equal(2, result.FramesLanded);
        Assert.Equal(DestinationBlocks, result.WrittenBlocks);
        Assert.Equal(TransportErrorKind.PeerGone, Assert.IsType<KvTransportException>(result.Error).Kind);
    }

    [Fact]
    public async Task AnInterruptedAggregatedTransferWroteNothing()
    {
        using var destination = new KvBlockStorage(Layout, 6, budget: null);
        var (sender, receiverEnd) = KvTransports.CreateInProcessPair();
        await using var __ = receiverEnd;
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 9);

        await sender.DisposeAsync();
        KvTransferResult result = await receiver.ReceiveAsync(receiverEnd);

        Assert.False(result.Completed);
        Assert.Empty(result.WrittenBlocks);
    }

    [Fact]
    public async Task AFrameForTheWrongBlockCountIsRefusedBeforeWriting()
    {
        using KvBlockStorage source = FilledStorage(Layout, seed: 5);
        using var destination = new KvBlockStorage(Layout, 6, budget: null);
        var (sender, receiverEnd) = KvTransports.CreateInProcessPair();
        await using var _ = sender;
        await using var __ = receiverEnd;
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 2);

        await KvTransferSender.SendAggregatedAsync(sender, 2, source, new[] { 1, 2 });
        KvTransferResult result = await receiver.ReceiveAsync(receiverEnd);

        Assert.False(result.Completed);
        Assert.Empty(result.WrittenBlocks);
        Assert.Equal(TransportErrorKind.ProtocolViolation, Assert.IsType<KvTransportException>(result.Error).Kind);
        Assert.All(DestinationBlocks, id => Assert.True(destination.BlockSpan(id).IndexOfAnyExcept(0f) < 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Bf16BlocksLandBitExactlyLayerByLayer(int layersPerFrame)
    {
        KvCacheLayout bf16 = Layout with { ElementType = DType.BF16 };
        using KvBlockStorage source = FilledStorage(bf16, seed: 6);
        using var destination = new KvBlockStorage(bf16, 6, budget: null);
        await using Link link = await Link.OpenAsync(KvTransports.Tcp);
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 9);

        Task<KvTransferResult> receiving = receiver.ReceiveAsync(link.Receiver);
        await KvTransferSender.SendByLayerAsync(link.Sender, 9, source, SourceBlocks, layersPerFrame);
        KvTransferResult result = await receiving;

        Assert.True(result.Completed, result.Error?.Message);
        AssertBlocksEqual(source, SourceBlocks, destination, DestinationBlocks);
    }

    [Fact]
    public async Task Fp32BlocksAreRefusedByABf16Cache()
    {
        using KvBlockStorage source = FilledStorage(Layout, seed: 7);
        using var destination = new KvBlockStorage(Layout with { ElementType = DType.BF16 }, 6, budget: null);
        var (sender, receiverEnd) = KvTransports.CreateInProcessPair();
        await using var _ = sender;
        await using var __ = receiverEnd;
        var receiver = new KvTransferReceiver(destination, DestinationBlocks, transferId: 3);

        await KvTransferSender.SendAggregatedAsync(sender, 3, source, SourceBlocks);
        KvTransferResult result = await receiver.ReceiveAsync(receiverEnd);

        Assert.False(result.Completed);
        Assert.Empty(result.WrittenBlocks);
        var error = Assert.IsType<KvTransportException>(result.Error);
        Assert.Equal(TransportErrorKind.ProtocolViolation, error.Kind);
        Assert.Contains("4-byte elements", error.Message);
    }

    [Fact]
    public async Task HiddenStatesAndBlockHashesRoundTrip()
    {
        var (a, b) = KvTransports.CreateInProcessPair();
        await using var _ = a;
        await using var __ = b;
        float[] rows = Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray();
        ulong[] hashes = [1, ulong.MaxValue, 0xDEADBEEF];

        await a.SendAsync(new FrameHeader(MessageType.HiddenStates, 1), new HiddenStatesPayload(new HiddenStates(rows, 3, 4)));
        await a.SendAsync(new FrameHeader(MessageType.InsertEvent, 2), new BlockHashesPayload(hashes));

        using (TransportFrame frame = await b.ReceiveAsync())
        {
            var copy = new float[12];
            Assert.Equal((3, 4), HiddenStatesPayload.CopyTo(frame.Payload, copy));
            Assert.Equal(rows, copy);
        }
        using TransportFrame events = await b.ReceiveAsync();
        Assert.Equal(hashes, BlockHashesPayload.Read(events.Payload));
    }

    private static KvBlockStorage FilledStorage(KvCacheLayout layout, int seed)
    {
        var storage = new KvBlockStorage(layout, 6, budget: null);
        var random = new Random(seed);
        for (int b = 0; b < storage.BlockCount; b++)
        {
            Span<float> block = storage.BlockSpan(b);
            for (int i = 0; i < block.Length; i++) block[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return storage;
    }

    private static void AssertBlocksEqual(KvBlockStorage a, int[] aBlocks, KvBlockStorage b, int[] bBlocks)
    {
        for (int i = 0; i < aBlocks.Length; i++)
        {
            ReadOnlySpan<int> left = MemoryMarshal.Cast<float, int>(a.BlockSpan(aBlocks[i]));
            ReadOnlySpan<int> right = MemoryMarshal.Cast<float, int>(b.BlockSpan(bBlocks[i]));
            Assert.True(left.SequenceEqual(right), $"block {i} differs");
        }
    }

    /// <summary>A sender end and a receiver end over the named adapter.</summary>
    private sealed class Link(IKvTransport sender, IKvTransport receiver, IAsyncDisposable? extra) : IAsyncDisposable
    {
        public IKvTransport Sender { get; } = sender;
        public IKvTransport Receiver { get; } = receiver;

        public static async Task<Link> OpenAsync(string name)
        {
            if (name == KvTransports.InProcess)
            {
                var (a, b) = KvTransports.CreateInProcessPair();
                return new Link(a, b, null);
            }
            TcpTestPeers peers = await TcpTestPeers.ConnectAsync();
            return new Link(peers.Client, peers.Server, peers);
        }

        public async ValueTask DisposeAsync()
        {
            await Sender.DisposeAsync();
            await Receiver.DisposeAsync();
            if (extra is not null) await extra.DisposeAsync();
        }
    }
}
