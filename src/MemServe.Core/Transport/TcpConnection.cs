using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace MemServe.Transport;

/// <summary>
/// <see cref="IKvTransport"/> over one connected TCP socket, with two bounded pipes: frames are written
/// into the send pipe and a pump moves them to the socket; a second pump moves socket bytes into the
/// receive pipe, which stops reading the socket when it holds <see cref="TcpTransportOptions.BackPressureBytes"/>
/// (TCP flow control then stalls the peer's sender). Any socket failure, peer close, corrupt frame or send
/// timeout closes the connection for good; the owner of a client reconnects by opening a new one.
/// </summary>
internal sealed class TcpConnection : IKvTransport
{
    private readonly Socket _socket;
    private readonly TcpTransportOptions _options;
    private readonly Pipe _input;  // socket → frames
    private readonly Pipe _output; // frames → socket
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly SegmentPool _segments = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _receivePump;
    private readonly Task _sendPump;
    private CancellationTokenSource _sendTimer;
    private CancellationTokenSource _receiveTimer;
    private long _sentToSocket;
    private int _closed;
    private volatile bool _disposed;

    public TcpConnection(Socket socket, TcpTransportOptions options, string peerName)
    {
        _socket = socket;
        _options = options;
        PeerName = peerName;
        socket.NoDelay = true;
        if (options.SocketBufferBytes is int bufferBytes)
        {
            socket.SendBufferSize = bufferBytes;
            socket.ReceiveBufferSize = bufferBytes;
        }
        var pipeOptions = new PipeOptions(pool: _segments, minimumSegmentSize: SegmentPool.SegmentBytes,
            pauseWriterThreshold: options.BackPressureBytes,
            resumeWriterThreshold: options.BackPressureBytes / 2, useSynchronizationContext: false);
        _input = new Pipe(pipeOptions);
        _output = new Pipe(pipeOptions);
        _reader = new FrameReader(_input.Reader, options.MaxPayloadBytes);
        _writer = new FrameWriter(_output.Writer, options.ChunkBytes);
        _sendTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        _receiveTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        _receivePump = Task.Run(ReceivePumpAsync);
        _sendPump = Task.Run(SendPumpAsync);
    }

    public string PeerName { get; }

    public bool IsConnected => Volatile.Read(ref _closed) == 0;

    public long PendingSendBytes => _writer.BytesWritten - Interlocked.Read(ref _sentToSocket);

    public async ValueTask SendAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken = default)
        where TPayload : IFramePayload
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, _options.MaxPayloadBytes);
        if (!IsConnected) TransportThrowHelper.ThrowPeerGone(PeerName);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        CancellationTokenRegistration link = default;
        try
        {
            if (!IsConnected) TransportThrowHelper.ThrowPeerGone(PeerName);
            if (_options.SendTimeout != Timeout.InfiniteTimeSpan) _sendTimer.CancelAfter(_options.SendTimeout);
            link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _sendTimer);
            bool written = await _writer.WriteAsync(header, payload, _sendTimer.Token).ConfigureAwait(false);
            if (!written) TransportThrowHelper.ThrowPeerGone(PeerName);
        }
        catch (OperationCanceledException)
        {
            Abort(); // the frame may be half written: the stream cannot continue
            if (cancellationToken.IsCancellationRequested) throw;
            TransportThrowHelper.ThrowTimeout("A send", PeerName, _options.SendTimeout);
        }
        finally
        {
            link.Dispose();
            if (!_sendTimer.TryReset()) _sendTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _options.TimeProvider);
            _sendLock.Release();
        }
    }

    public async ValueTask<TransportFrame> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed) TransportThrowHelper.ThrowPeerGone(PeerName);
        CancellationTokenRegistration link = default;
        try
        {
            if (_options.ReceiveTimeout != Timeout.InfiniteTimeSpan) _receiveTimer.CancelAfter(_options.ReceiveTimeout);
            link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _receiveTimer);
            return await _reader.ReadAsync(PeerName, _receiveTimer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            TransportThrowHelper.ThrowTimeout("A receive", PeerName, _options.ReceiveTimeout);
            throw; // unreachable
        }
        catch (KvTransportException ex) when (ex.Kind == TransportErrorKind.CorruptFrame)
        {
            Abort();
            throw;
        }
        finally
        {
            link.Dispose();
            if (!_receiveTimer.TryReset()) _receiveTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _options.TimeProvider);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        Abort();
        try { await Task.WhenAll(_receivePump, _sendPump).ConfigureAwait(false); }
        catch (Exception) { /* the pumps record nothing else; the connection is gone either way */ }
        _lifetime.Dispose();
        _segments.Dispose();
    }

    private async Task ReceivePumpAsync()
    {
        PipeWriter writer = _input.Writer;
        try
        {
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(8192);
                int received = await _socket.ReceiveAsync(memory, SocketFlags.None, _lifetime.Token).ConfigureAwait(false);
                if (received == 0) break;
                writer.Advance(received);
                FlushResult flushed = await writer.FlushAsync(_lifetime.Token).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Peer reset or local close: the reader sees the end of the stream.
        }
        await writer.CompleteAsync().ConfigureAwait(false);
        Abort(); // the peer is gone: pending and later sends fail as PeerGone
    }

    private async Task SendPumpAsync()
    {
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_lifetime.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    for (int sent = 0; sent < segment.Length;)
                        sent += await _socket.SendAsync(segment[sent..], SocketFlags.None, _lifetime.Token).ConfigureAwait(false);
                    Interlocked.Add(ref _sentToSocket, segment.Length);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The socket died; completing the reader below wakes a sender waiting on back-pressure.
        }
        await reader.CompleteAsync().ConfigureAwait(false);
        Abort();
    }

    private void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try { _lifetime.Cancel(); }
        catch (ObjectDisposedException) { }
        try { _socket.Shutdown(SocketShutdown.Both); }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        _socket.Dispose();
    }
}
