using System.Net;
using System.Net.Sockets;

namespace MemServe.Transport;

/// <summary>
/// The client end of a TCP link: connects to one endpoint, and when the connection is lost, opens a new
/// one on the next send or receive (up to <see cref="TcpTransportOptions.ConnectAttempts"/> tries, waiting
/// <see cref="TcpTransportOptions.ReconnectBaseDelay"/> doubled after each failure, at most
/// <see cref="TcpTransportOptions.ReconnectMaxDelay"/>). A frame in flight when the peer went away is not
/// retried: its send fails with <see cref="TransportErrorKind.PeerGone"/> and the caller decides (it cannot
/// know whether the peer got it). An endpoint that never answers gives <see cref="TransportErrorKind.Unreachable"/>.
/// Thread-safe as <see cref="IKvTransport"/> requires.
/// </summary>
internal sealed class ReconnectingTcpClient : IKvTransport
{
    private readonly EndPoint _endPoint;
    private readonly TcpTransportOptions _options;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private TcpConnection? _current;
    private int _connectionCount;
    private volatile bool _disposed;

    public ReconnectingTcpClient(EndPoint endPoint, TcpTransportOptions options)
    {
        _endPoint = endPoint;
        _options = options;
        PeerName = endPoint.ToString() ?? "tcp endpoint";
    }

    public string PeerName { get; }

    public bool IsConnected => Volatile.Read(ref _current)?.IsConnected == true;

    public long PendingSendBytes => Volatile.Read(ref _current)?.PendingSendBytes ?? 0;

    /// <summary>Connections opened so far (1 after the first connect; more after reconnects).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public async ValueTask SendAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken = default)
        where TPayload : IFramePayload
    {
        TcpConnection connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.SendAsync(header, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvTransportException or OperationCanceledException)
        {
            if (!connection.IsConnected) await DropAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<TransportFrame> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        TcpConnection connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KvTransportException) when (!connection.IsConnected)
        {
            await DropAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects now (the first connection), so an unreachable endpoint fails at once.</summary>
    public async ValueTask ConnectAsync(CancellationToken cancellationToken) =>
        await GetConnectionAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        TcpConnection? current = Interlocked.Exchange(ref _current, null);
        if (current is not null) await current.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<TcpConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        TcpConnection? current = Volatile.Read(ref _current);
        if (current is { IsConnected: true }) return current;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_disposed) TransportThrowHelper.ThrowPeerGone(PeerName);
            current = Volatile.Read(ref _current);
            if (current is { IsConnected: true }) return current;
            if (current is not null) await DropAsync(current).ConfigureAwait(false);
            TcpConnection fresh = await ConnectWithRetryAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _current, fresh);
            Interlocked.Increment(ref _connectionCount);
            return fresh;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async ValueTask<TcpConnection> ConnectWithRetryAsync(CancellationToken cancellationToken)
    {
        TimeSpan delay = _options.ReconnectBaseDelay;
        Exception? last = null;
        int attempts = Math.Max(1, _options.ConnectAttempts);
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _options.TimeProvider);
            using CancellationTokenRegistration link =
                cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
            try
            {
                await socket.ConnectAsync(_endPoint, timeout.Token).ConfigureAwait(false);
                return new TcpConnection(socket, _options, PeerName);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                last = ex;
            }
            if (attempt < attempts)
            {
                await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }
        throw TransportThrowHelper.Unreachable(PeerName, attempts, last);
    }

    private async ValueTask DropAsync(TcpConnection connection)
    {
        if (Interlocked.CompareExchange(ref _current, null, connection) == connection)
            await connection.DisposeAsync().ConfigureAwait(false);
    }
}
