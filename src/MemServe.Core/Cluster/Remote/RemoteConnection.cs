using System.Collections.Concurrent;
using System.Net;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// One TCP connection from a client to an <see cref="EngineHost"/>, with the read loop that routes every
/// frame to the receiver registered under its correlation id (so any number of requests, probes and stats
/// calls share the connection). Once the connection is lost it stays closed: every registered receiver
/// fails with a <see cref="RemoteInstanceException"/> naming the instance, and later registrations fail at
/// once; the owner opens a new connection. Thread-safe.
/// </summary>
internal sealed class RemoteConnection : IAsyncDisposable
{
    private readonly IKvTransport _transport;
    private readonly ConcurrentDictionary<long, IRemoteReceiver> _receivers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _endpoint;
    private readonly Task _readLoop;
    private Exception? _closedBy;
    private int _closedFlag;
    private string _instanceId;

    private RemoteConnection(IKvTransport transport, string endpoint, string instanceId)
    {
        _transport = transport;
        _endpoint = endpoint;
        _instanceId = instanceId;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>The link (for answering KV pulls and fire-and-forget messages).</summary>
    public IKvTransport Transport => _transport;

    /// <summary>Raised once when the connection closes (lost or disposed).</summary>
    public event Action? Closed;

    /// <summary>True until the connection is lost or disposed.</summary>
    public bool IsOpen => Volatile.Read(ref _closedFlag) == 0;

    /// <summary>What the host said about itself.</summary>
    public RemoteInstanceInfo Info { get; private set; } = null!;

    /// <summary>Raised on the read loop for insert and evict events (type, chained block hashes).</summary>
    public event Action<MessageType, ulong[]>? CacheEvent;

    /// <summary>Connects and exchanges hellos. An unreachable endpoint or a host that does not answer in
    /// <paramref name="helloTimeout"/> throws <see cref="RemoteInstanceException"/> naming the endpoint.</summary>
    public static async Task<RemoteConnection> OpenAsync(EndPoint endPoint, string instanceId, TcpTransportOptions transportOptions,
        TimeSpan helloTimeout, long helloId, CancellationToken cancellationToken)
    {
        string endpoint = endPoint.ToString() ?? "remote endpoint";
        IKvTransport transport;
        try
        {
            transport = await KvTransports.ConnectTcpAsync(endPoint, transportOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (KvTransportException ex)
        {
            throw RemoteThrowHelper.Unreachable(instanceId, endpoint, ex);
        }
        var connection = new RemoteConnection(transport, endpoint, instanceId);
        try
        {
            byte[] reply = await connection.CallAsync(helloId, RemoteOp.Hello, MessageType.Control, "the hello", helloTimeout, cancellationToken)
                .ConfigureAwait(false);
            RemoteInstanceInfo info = RemoteInstanceInfo.Read(reply);
            if (info.ProtocolVersion != RemoteProtocol.Version)
                throw new RemoteInstanceException(instanceId, endpoint,
                    $"Remote instance at {endpoint} speaks protocol version {info.ProtocolVersion}; this client speaks {RemoteProtocol.Version}.");
            connection.Info = info;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Renames the instance in later errors (once the caller knows its configured id).</summary>
    public void NameInstance(string instanceId) => _instanceId = instanceId;

    /// <summary>Registers a generation request under <paramref name="id"/> and sends it. Throws
    /// <see cref="RemoteInstanceException"/> when the connection is closed or the send fails.</summary>
    public async ValueTask<RemoteCall> StartAsync(long id, MessageType type, ReadOnlyMemory<byte> body, Func<int, Task>? onPull,
        CancellationToken cancellationToken, int choices = 1)
    {
        var call = new RemoteCall(id, _instanceId, _endpoint) { OnPull = onPull, OpenChoices = choices };
        Register(id, call);
        try
        {
            await _transport.SendAsync(new FrameHeader(type, id), body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvTransportException or OperationCanceledException)
        {
            _receivers.TryRemove(id, out _);
            if (ex is OperationCanceledException) throw;
            throw RemoteThrowHelper.ConnectionLost(_instanceId, _endpoint, ex);
        }
        return call;
    }

    /// <summary>Forgets request <paramref name="id"/> and, when <paramref name="tellHost"/>, asks the host to
    /// cancel it (best effort: a lost connection cancels it anyway).</summary>
    public async ValueTask EndAsync(long id, bool tellHost)
    {
        _receivers.TryRemove(id, out _);
        if (!tellHost || !IsOpen) return;
        try { await RemoteProtocol.SendOpAsync(_transport, id, RemoteOp.Cancel).ConfigureAwait(false); }
        catch (KvTransportException) { /* the host is gone, and with it the request */ }
    }

    /// <summary>Sends a one-frame call (<paramref name="op"/> in a control frame, or an empty frame of
    /// <paramref name="type"/>) and waits for its reply's payload, at most <paramref name="timeout"/>.</summary>
    public Task<byte[]> CallAsync(long id, RemoteOp op, MessageType type, string what, TimeSpan timeout,
        CancellationToken cancellationToken) =>
        CallAsync(id, type, type == MessageType.Control ? new[] { (byte)op } : ReadOnlyMemory<byte>.Empty, what, timeout, null,
            cancellationToken);

    /// <summary>Sends <paramref name="body"/> in a frame of <paramref name="type"/> and waits for the reply's payload;
    /// <paramref name="onPull"/> serves the host's KV pulls meanwhile.</summary>
    public async Task<byte[]> CallAsync(long id, MessageType type, ReadOnlyMemory<byte> body, string what, TimeSpan timeout,
        Func<int, Task>? onPull, CancellationToken cancellationToken)
    {
        var waiter = new ReplyWaiter(_instanceId, _endpoint) { OnPull = onPull };
        Register(id, waiter);
        try
        {
            await _transport.SendAsync(new FrameHeader(type, id), body, cancellationToken).ConfigureAwait(false);
            return await waiter.Reply.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw RemoteThrowHelper.NoAnswer(_instanceId, _endpoint, what, timeout);
        }
        catch (KvTransportException ex)
        {
            throw RemoteThrowHelper.ConnectionLost(_instanceId, _endpoint, ex);
        }
        finally
        {
            _receivers.TryRemove(id, out _);
        }
    }

    /// <summary>Answers a host's KV pull for call <paramref name="id"/>: sends <paramref name="source"/>'s blocks from
    /// <paramref name="fromBlock"/> on this connection as one aggregated frame, or, when that fails, an error frame
    /// so the host's landing fails instead of waiting.</summary>
    public async Task SupplyKvAsync(IKvSource source, long id, int fromBlock, CancellationToken cancellationToken)
    {
        try
        {
            await source.SendAsync(_transport, id, fromBlock, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MemServeException or OperationCanceledException or ArgumentException)
        {
            using var w = new WireWriter();
            GenerationUpdateCodec.WriteError(w, RemoteErrorKind.Failed, ex.Message);
            try { await RemoteProtocol.SendControlAsync(_transport, id, w.Written, FrameFlags.Error, CancellationToken.None).ConfigureAwait(false); }
            catch (KvTransportException) { /* the host is gone too */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close(null);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _readLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Register(long id, IRemoteReceiver receiver)
    {
        if (!_receivers.TryAdd(id, receiver)) throw new InvalidOperationException($"correlation id {id} is already in use");
        if (!IsOpen && _receivers.TryRemove(id, out _)) throw RemoteThrowHelper.ConnectionLost(_instanceId, _endpoint, _closedBy);
    }

    private async Task ReadLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (IsOpen)
            {
                TransportFrame frame = await _transport.ReceiveAsync(_stop.Token).ConfigureAwait(false);
                try { Route(frame); }
                finally { frame.Dispose(); }
            }
        }
        catch (Exception ex) when (ex is KvTransportException or OperationCanceledException)
        {
            error = ex;
        }
        Close(error);
        await _transport.DisposeAsync().ConfigureAwait(false); // no reconnect behind our back
    }

    private void Route(in TransportFrame frame)
    {
        long id = frame.Header.CorrelationId;
        if (frame.Header.Type is MessageType.InsertEvent or MessageType.EvictEvent)
        {
            CacheEvent?.Invoke(frame.Header.Type, BlockHashesPayload.Read(frame.Payload));
            return;
        }
        if (!_receivers.TryGetValue(id, out IRemoteReceiver? receiver)) return; // a request cancelled here, still streaming
        receiver.OnFrame(frame);
    }

    private void Close(Exception? cause)
    {
        _closedBy ??= cause;
        if (Interlocked.Exchange(ref _closedFlag, 1) != 0) return;
        foreach (long id in _receivers.Keys)
            if (_receivers.TryRemove(id, out IRemoteReceiver? receiver))
                receiver.Fail(RemoteThrowHelper.ConnectionLost(_instanceId, _endpoint, cause));
        Closed?.Invoke();
    }
}
