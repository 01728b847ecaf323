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
    private readonly ILlmEngine? _engine;
    private readonly HostKvOperations? _kv;
    private readonly RemoteInstanceInfo _info;
    private readonly int _maxRequests;
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _requests = new();
    private readonly CancellationTokenSource _closed = new();
    private Task _completion = Task.CompletedTask;

    /// <summary>A session over <paramref name="instance"/> (every operation) or, when it is null, over
    /// <paramref name="engine"/> (generation, stats and health only).</summary>
    public HostSession(IKvTransport transport, ILlmEngine? engine, IEngineInstance? instance, RemoteInstanceInfo info, int maxRequests)
    {
        _transport = transport;
        _engine = engine;
        _kv = instance is null ? null : new HostKvOperations(transport, instance);
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
            if (_kv is not null) await _kv.DisposeAsync().ConfigureAwait(false); // releases held KV, fails pulls
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
            case MessageType.KvBlocks when _kv is not null:
                _kv.OnPulled(frame);
                return null;
            case MessageType.Control when (frame.Header.Flags & FrameFlags.Error) != 0 && _kv is not null:
                _kv.OnPulled(frame);
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
            case RemoteOp.Embed:
                EmbeddingRequest embedding = EmbeddingCodec.ReadRequest(frame.Payload);
                return await StartAsync(id, token => OneShot(EmbedAsync(id, embedding, token))).ConfigureAwait(false);
            case RemoteOp op and (RemoteOp.Prefill or RemoteOp.Export or RemoteOp.KvSend or RemoteOp.KvRelease
                or RemoteOp.Decode or RemoteOp.Import or RemoteOp.Subscribe):
                return await StartKvOperationAsync(id, op, frame).ConfigureAwait(false);
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
        return await StartAsync(id, token => GenerateAsync(request, token)).ConfigureAwait(false);
    }

    private IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken token) =>
        _kv is not null ? _kv.Instance.GenerateAsync(request, token) : _engine!.GenerateAsync(request, token);

    private EngineStats Stats() => _kv is not null ? _kv.Instance.GetStats() : _engine!.GetStats();

    /// <summary>Registers call <paramref name="id"/> as cancellable and runs <paramref name="stream"/> on its own task.</summary>
    private async ValueTask<Task?> StartAsync(long id, Func<CancellationToken, IAsyncEnumerable<GenerationUpdate>> stream)
    {
        var cancel = new CancellationTokenSource();
        if (!_requests.TryAdd(id, cancel))
        {
            cancel.Dispose();
            await SendErrorAsync(id, RemoteErrorKind.InvalidRequest, $"request id {id} is already running").ConfigureAwait(false);
            return null;
        }
        return Task.Run(() => RunRequestAsync(id, stream, cancel));
    }

    private ValueTask<Task?> StartKvOperationAsync(long id, RemoteOp op, TransportFrame frame)
    {
        if (_kv is null)
            return ErrorAsync(id, RemoteErrorKind.Failed, $"this host serves a bare engine, which does not support {op}");
        HostKvOperations kv = _kv;
        var r = new WireReader(frame.Payload);
        r.ReadByte();
        switch (op)
        {
            case RemoteOp.Prefill:
                PrefillRequest prefill = RemoteKvMessages.ReadPrefill(ref r);
                return StartAsync(id, token => OneShot(kv.PrefillAsync(id, prefill, token)));
            case RemoteOp.Export:
                int[] tokens = r.ReadInt32List() ?? RemoteThrowHelper.ProtocolViolation<int[]>("null token list");
                return StartAsync(id, token => OneShot(kv.ExportAsync(id, tokens, token)));
            case RemoteOp.KvSend:
                (long handle, int fromBlock) = RemoteKvMessages.ReadHandle(frame.Payload, RemoteOp.KvSend);
                return StartAsync(id, token => OneShot(kv.SendHeldAsync(id, handle, fromBlock, token)));
            case RemoteOp.KvRelease:
                (long released, _) = RemoteKvMessages.ReadHandle(frame.Payload, RemoteOp.KvRelease);
                return ReleaseAsync(kv, released);
            case RemoteOp.Decode:
                (DecodeRequest decode, RemoteKvMessages.SourceShape shape) = RemoteKvMessages.ReadDecode(ref r);
                return StartAsync(id, token => kv.Instance.DecodeAsync(decode, new ForwardedKvSource(kv, id, shape), token));
            case RemoteOp.Import:
                (int[] prefix, bool insert, RemoteKvMessages.SourceShape source) = RemoteKvMessages.ReadImport(ref r);
                return StartAsync(id, token => OneShot(ImportAsync(kv, id, prefix, insert, source, token)));
            default:
                kv.Subscribe();
                return ValueTask.FromResult<Task?>(null);
        }
    }

    private async Task ImportAsync(HostKvOperations kv, long id, int[] prefix, bool insert, RemoteKvMessages.SourceShape source,
        CancellationToken token)
    {
        KvImportResult result = await kv.ImportAsync(id, prefix, insert, source, token).ConfigureAwait(false);
        using var w = new WireWriter(16);
        RemoteKvMessages.WriteCounts(w, RemoteOp.ImportReply, result.HeldBlocks, result.ReceivedBlocks, result.InsertedBlocks);
        await RemoteProtocol.SendControlAsync(_transport, id, w.Written, FrameFlags.Response, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task EmbedAsync(long id, EmbeddingRequest request, CancellationToken token)
    {
        EmbeddingResult result = await (_kv is not null ? _kv.Instance.EmbedAsync(request, token) : _engine!.EmbedAsync(request, token))
            .ConfigureAwait(false);
        using var w = new WireWriter(16 + result.Embeddings.Count * result.Dimensions * sizeof(float));
        EmbeddingCodec.WriteReply(w, result);
        await RemoteProtocol.SendControlAsync(_transport, id, w.Written, FrameFlags.Response, CancellationToken.None).ConfigureAwait(false);
    }

    private static async ValueTask<Task?> ReleaseAsync(HostKvOperations kv, long handle)
    {
        await kv.ReleaseAsync(handle).ConfigureAwait(false);
        return null;
    }

    private async ValueTask<Task?> ErrorAsync(long id, RemoteErrorKind kind, string message)
    {
        await SendErrorAsync(id, kind, message).ConfigureAwait(false);
        return null;
    }

    /// <summary>A one-reply operation as an update stream with no updates (it sends its own reply).</summary>
    private static async IAsyncEnumerable<GenerationUpdate> OneShot(Task operation)
    {
        await operation.ConfigureAwait(false);
        yield break;
    }

    private async Task RunRequestAsync(long id, Func<CancellationToken, IAsyncEnumerable<GenerationUpdate>> stream,
        CancellationTokenSource cancel)
    {
        using var w = new WireWriter();
        int sequence = 0;
        try
        {
            await foreach (GenerationUpdate update in stream(cancel.Token).ConfigureAwait(false))
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
        catch (Exception ex) when (ex is MemServeException or ObjectDisposedException or ArgumentException or InvalidOperationException)
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
        EngineStatsCodec.Write(w, Stats());
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
