using System.Collections.Concurrent;
using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// One client connection of an <see cref="EngineHost"/>: a read loop that dispatches frames by type and op,
/// and one task per running request that streams its updates back under the request's correlation id. A
/// cancel frame, the connection's loss or the host's shutdown cancels the request in the engine, which frees
/// its KV blocks. A malformed frame ends the session (the stream cannot be trusted after it).
/// </summary>
internal sealed class HostSession : IDisposable
{
    private readonly IKvTransport _transport;
    private readonly ILlmEngine _engine;
    private readonly RemoteInstanceInfo _info;
    private readonly int _maxRequests;
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _requests = new();
    private readonly CancellationTokenSource _closed = new();
    private Task _completion = Task.CompletedTask;

    public HostSession(IKvTransport transport, ILlmEngine engine, RemoteInstanceInfo info, int maxRequests)
    {
        _transport = transport;
        _engine = engine;
        _info = info;
        _maxRequests = maxRequests;
    }

    /// <summary>Ends when the session has closed and every request task has finished.</summary>
    public Task Completion => _completion;

    /// <summary>Starts the read loop; <paramref name="ended"/> runs once the session is over.</summary>
    public void Start(Action<HostSession> ended, CancellationToken hostStopping) =>
        _completion = Task.Run(async () =>
        {
            try { await RunAsync(hostStopping).ConfigureAwait(false); }
            finally
            {
                ended(this);
                Dispose();
            }
        }, CancellationToken.None);

    /// <summary>Releases the close signal (the session disposes itself when it ends).</summary>
    public void Dispose() => _closed.Dispose();

    /// <summary>Closes the connection; the read loop then ends and cancels every request.</summary>
    public async ValueTask CloseAsync()
    {
        try { await _closed.CancelAsync().ConfigureAwait(false); }
        catch (ObjectDisposedException) { }
    }

    private async Task RunAsync(CancellationToken hostStopping)
    {
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _closed.Token);
        var running = new List<Task>();
        try
        {
            while (true)
            {
                TransportFrame frame = await _transport.ReceiveAsync(stop.Token).ConfigureAwait(false);
                try
                {
                    Task? started = await DispatchAsync(frame).ConfigureAwait(false);
                    if (started is not null) running.Add(started);
                }
                finally
                {
                    frame.Dispose();
                }
                if (running.Count > 64) running.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (Exception ex) when (ex is KvTransportException or OperationCanceledException)
        {
            // The client went away, sent garbage, or the host is stopping.
        }
        finally
        {
            foreach (CancellationTokenSource request in _requests.Values) CancelQuietly(request);
            await _transport.DisposeAsync().ConfigureAwait(false); // pending sends fail at once
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private async ValueTask<Task?> DispatchAsync(TransportFrame frame)
    {
        long id = frame.Header.CorrelationId;
        switch (frame.Header.Type)
        {
            case MessageType.Request:
                return await StartRequestAsync(id, frame).ConfigureAwait(false);
            case MessageType.HealthProbe:
                await ReplyStatsAsync(MessageType.HealthReply, id, withOp: false).ConfigureAwait(false);
                return null;
            case MessageType.Control:
                break;
            default:
                RemoteThrowHelper.ThrowProtocol($"a host does not accept {frame.Header.Type} frames");
                break;
        }
        switch (RemoteProtocol.OpOf(frame))
        {
            case RemoteOp.Hello:
                using (var w = new WireWriter(1024))
                {
                    _info.Write(w);
                    await RemoteProtocol.SendControlAsync(_transport, id, w.Written, FrameFlags.Response).ConfigureAwait(false);
                }
                break;
            case RemoteOp.Cancel:
                if (_requests.TryGetValue(id, out CancellationTokenSource? request)) CancelQuietly(request);
                break;
            case RemoteOp.StatsRequest:
                await ReplyStatsAsync(MessageType.Control, id, withOp: true).ConfigureAwait(false);
                break;
            default:
                RemoteThrowHelper.ThrowProtocol($"op {RemoteProtocol.OpOf(frame)} is not a client message");
                break;
        }
        return null;
    }

    private async ValueTask<Task?> StartRequestAsync(long id, TransportFrame frame)
    {
        GenerationRequest request;
        try
        {
            request = GenerationRequestCodec.Read(frame.Payload);
        }
        catch (KvTransportException ex)
        {
            await SendErrorAsync(id, RemoteErrorKind.InvalidRequest, ex.Message).ConfigureAwait(false);
            return null;
        }
        if (_requests.Count >= _maxRequests)
        {
            await SendErrorAsync(id, RemoteErrorKind.Overloaded, $"{_maxRequests} requests already run on this connection").ConfigureAwait(false);
            return null;
        }
        var cancel = new CancellationTokenSource();
        if (!_requests.TryAdd(id, cancel))
        {
            cancel.Dispose();
            await SendErrorAsync(id, RemoteErrorKind.InvalidRequest, $"request id {id} is already running").ConfigureAwait(false);
            return null;
        }
        return Task.Run(() => RunRequestAsync(id, request, cancel));
    }

    private async Task RunRequestAsync(long id, GenerationRequest request, CancellationTokenSource cancel)
    {
        using var w = new WireWriter();
        int sequence = 0;
        try
        {
            await foreach (GenerationUpdate update in _engine.GenerateAsync(request, cancel.Token).ConfigureAwait(false))
            {
                GenerationUpdateCodec.Write(w.Reset(), update);
                // Never cancel a send with the request's token: a half-written frame would close the connection.
                await _transport.SendAsync(new FrameHeader(MessageType.Control, id, sequence++, FrameFlags.Response), w.Written)
                    .ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Cancelled by the client or by the session's end: the engine freed the request's blocks.
        }
        catch (KvTransportException)
        {
            // The connection is gone; the read loop ends the session.
        }
        catch (Exception ex) when (ex is MemServeException or ObjectDisposedException or ArgumentException)
        {
            await SendErrorAsync(id, RemoteThrowHelper.KindOf(ex), ex.Message).ConfigureAwait(false);
        }
        finally
        {
            _requests.TryRemove(id, out _);
            cancel.Dispose();
        }
    }

    private async ValueTask ReplyStatsAsync(MessageType type, long id, bool withOp)
    {
        using var w = new WireWriter(512);
        if (withOp) w.WriteByte((byte)RemoteOp.StatsReply);
        EngineStatsCodec.Write(w, _engine.GetStats());
        await _transport.SendAsync(new FrameHeader(type, id, 0, FrameFlags.Response), w.Written).ConfigureAwait(false);
    }

    private async ValueTask SendErrorAsync(long id, RemoteErrorKind kind, string message)
    {
        using var w = new WireWriter();
        GenerationUpdateCodec.WriteError(w, kind, message);
        try
        {
            await RemoteProtocol.SendControlAsync(_transport, id, w.Written, FrameFlags.Response | FrameFlags.Error).ConfigureAwait(false);
        }
        catch (KvTransportException)
        {
            // The client is gone; nobody is left to tell.
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try { source.Cancel(); }
        catch (ObjectDisposedException) { }
    }
}
