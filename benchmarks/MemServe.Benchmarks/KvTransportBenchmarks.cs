using System.Net;
using BenchmarkDotNet.Attributes;
using MemServe.Memory;
using MemServe.Transport;

namespace MemServe.Benchmarks;

/// <summary>
/// Moves the KV of one request (16 blocks of 256 KiB: 8 layers × 4 KV heads × 64 dims × 16 tokens, FP32,
/// 4 MiB in all) from one <see cref="KvBlockStorage"/> into another: a plain memory copy of the same bytes as
/// the floor, then the in-process and TCP-loopback transports, aggregated (one frame) and by layer (8 frames).
/// Bytes/s = 4 MiB / mean.
/// </summary>
[MemoryDiagnoser]
public class KvTransportBenchmarks
{
    private static readonly KvCacheLayout Layout = new(0, 8, 4, 64, 16);
    private static readonly int[] Blocks = Enumerable.Range(0, 16).ToArray();
    private KvBlockStorage _source = null!;
    private KvBlockStorage _destination = null!;
    private IKvTransport _inSender = null!, _inReceiver = null!, _tcpSender = null!, _tcpReceiver = null!;
    private TcpKvListener _listener = null!;
    private long _transferId;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _source = new KvBlockStorage(Layout, Blocks.Length, null);
        _destination = new KvBlockStorage(Layout, Blocks.Length, null);
        var random = new Random(1);
        foreach (int b in Blocks)
        {
            Span<float> block = _source.BlockSpan(b);
            for (int i = 0; i < block.Length; i++) block[i] = (float)random.NextDouble();
        }
        (_inSender, _inReceiver) = KvTransports.CreateInProcessPair();
        _listener = KvTransports.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        ValueTask<IKvTransport> accept = _listener.AcceptAsync();
        _tcpSender = await KvTransports.ConnectTcpAsync(_listener.LocalEndPoint);
        _tcpReceiver = await accept;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _inSender.DisposeAsync();
        await _inReceiver.DisposeAsync();
        await _tcpSender.DisposeAsync();
        await _tcpReceiver.DisposeAsync();
        await _listener.DisposeAsync();
        _source.Dispose();
        _destination.Dispose();
    }

    [Benchmark(Baseline = true)]
    public unsafe void MemoryCopy()
    {
        long bytes = Layout.BlockBytes;
        foreach (int b in Blocks) Buffer.MemoryCopy(_source.Block(b), _destination.Block(b), bytes, bytes);
    }

    [Benchmark]
    public Task InProcessAggregated() => TransferAsync(_inSender, _inReceiver, byLayer: false);

    [Benchmark]
    public Task InProcessByLayer() => TransferAsync(_inSender, _inReceiver, byLayer: true);

    [Benchmark]
    public Task TcpAggregated() => TransferAsync(_tcpSender, _tcpReceiver, byLayer: false);

    [Benchmark]
    public Task TcpByLayer() => TransferAsync(_tcpSender, _tcpReceiver, byLayer: true);

    private async Task TransferAsync(IKvTransport sender, IKvTransport receiver, bool byLayer)
    {
        long id = ++_transferId;
        var landing = new KvTransferReceiver(_destination, Blocks, id);
        Task<KvTransferResult> received = landing.ReceiveAsync(receiver);
        if (byLayer) await KvTransferSender.SendByLayerAsync(sender, id, _source, Blocks);
        else await KvTransferSender.SendAggregatedAsync(sender, id, _source, Blocks);
        KvTransferResult result = await received;
        if (!result.Completed) throw new InvalidOperationException("transfer failed", result.Error);
    }
}
