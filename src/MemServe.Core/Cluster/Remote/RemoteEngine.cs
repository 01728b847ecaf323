using System.Net;
using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Tokenization;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// An engine in another process or host, reached over TCP through an <see cref="EngineHost"/>: an
/// <see cref="ILlmEngine"/> (so it can stand in for a local engine) and an <see cref="IInstanceView"/> (so a
/// cluster can route to it). All requests share one connection, multiplexed by correlation id. Health is
/// probed periodically (<see cref="RemoteEngineOptions.HealthProbeInterval"/>); a failed probe or a lost
/// connection makes <see cref="IsHealthy"/> false until a later probe reconnects and succeeds.
/// </summary>
/// <remarks>
/// Errors: the host's validation errors arrive when enumeration starts (not when <see cref="GenerateAsync"/>
/// is called, as with a local engine) and keep their types (<see cref="InvalidRequestException"/>,
/// <see cref="EngineOverloadedException"/>, <see cref="MemoryBudgetExceededException"/>); an unreachable or
/// lost instance raises <see cref="RemoteInstanceException"/> naming it. Cancelling a request (or disposing its
/// enumerator early) tells the host, which frees the request's KV blocks. Thread-safe.
/// </remarks>
public sealed class RemoteEngine : ILlmEngine, IEngineInstance
{
    private readonly RemoteEngineOptions _options;
    private readonly CancellationTokenSource _disposing = new();
    private readonly RemoteLink _link;
    private Task _healthLoop = Task.CompletedTask;
    private EngineStats _stats = new();
    private readonly RemoteCacheEvents _cacheEvents;
    private volatile bool _probeHealthy = true;
    private int _disposed;

    private RemoteEngine(IPEndPoint endPoint, RemoteEngineOptions options, RemoteConnection connection, ITokenizer tokenizer)
    {
        _options = options;
        Id = options.InstanceId ?? connection.Info.InstanceId;
        Endpoint = endPoint.ToString();
        Tokenizer = tokenizer;
        _cacheEvents = new RemoteCacheEvents(Id);
        _link = new RemoteLink(this, endPoint, options, Id, connection, _cacheEvents, lastId: 1);
    }

    /// <summary>The instance id (<see cref="RemoteEngineOptions.InstanceId"/>, else the host's).</summary>
    public string Id { get; }

    /// <summary>The endpoint the instance is reached at.</summary>
    public string Endpoint { get; }

    /// <summary>What the host announced at the last (re)connect.</summary>
    public RemoteInstanceInfo Info => _link.Info;

    /// <inheritdoc />
    public InstanceRole Role => Info.Role;

    /// <summary>True while the connection is up and the last probe was answered in time.</summary>
    public bool IsHealthy => _probeHealthy && _link.IsOpen;

    /// <summary>Load derived from the last stats snapshot (probe answers refresh it).</summary>
    public InstanceLoad Load
    {
        get
        {
            EngineStats s = Volatile.Read(ref _stats);
            return new InstanceLoad(s.Running, s.Waiting, 0, s.KvBlocksTotal == 0 ? 0 : (double)s.KvBlocksUsed / s.KvBlocksTotal);
        }
    }

    /// <inheritdoc />
    public ModelInfo ModelInfo => Info.ModelInfo;

    /// <inheritdoc />
    public ITokenizer Tokenizer { get; }

    /// <inheritdoc />
    public int BlockTokens => Volatile.Read(ref _stats).BlockTokens;

    /// <summary>Connects to the host at <paramref name="endpoint"/> (<c>HOST:PORT</c>), exchanges hellos, reads
    /// its stats and starts health probes. An unreachable endpoint throws <see cref="RemoteInstanceException"/>
    /// naming it.</summary>
    public static async Task<RemoteEngine> ConnectAsync(string endpoint, RemoteEngineOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        IPEndPoint parsed = await RemoteEndpoint.ResolveAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(parsed, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connects to the host at <paramref name="endPoint"/>; see <see cref="ConnectAsync(string, RemoteEngineOptions?, CancellationToken)"/>.</summary>
    public static async Task<RemoteEngine> ConnectAsync(IPEndPoint endPoint, RemoteEngineOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new RemoteEngineOptions();
        options.Validate();
        string id = options.InstanceId ?? endPoint.ToString();
        RemoteConnection connection = await RemoteConnection.OpenAsync(endPoint, id, options.Transport, options.HelloTimeout,
            helloId: 1, cancellationToken).ConfigureAwait(false);
        RemoteEngine? engine = null;
        try
        {
            ITokenizer tokenizer = TokenizerOf(connection.Info, options, endPoint.ToString());
            engine = new RemoteEngine(endPoint, options, connection, tokenizer);
            await engine.GetStatsAsync(cancellationToken).ConfigureAwait(false);
            engine._healthLoop = Task.Run(engine.HealthLoopAsync, CancellationToken.None);
            return engine;
        }
        catch
        {
            if (engine is not null) await engine.DisposeAsync().ConfigureAwait(false);
            else await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return StreamAsync(w => GenerationRequestCodec.Write(w, request), MessageType.Request, null, cancellationToken, request.N);
    }

    /// <inheritdoc />
    public Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        GenerationCollector.CollectAsync(GenerateAsync(request, cancellationToken), cancellationToken,
            () => new RemoteInstanceException(Id, Endpoint, $"Remote instance {Id} ({Endpoint}) ended a request without a final update."));

    /// <inheritdoc />
    /// <remarks>One <see cref="RemoteOp.Embed"/> call; cancelling it tells the host, which frees the inputs' blocks.</remarks>
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
        long id = NextId();
        using var w = new WireWriter();
        EmbeddingCodec.WriteRequest(w, request);
        byte[] reply;
        try
        {
            reply = await connection.CallAsync(id, MessageType.Control, w.Written, "an embedding", Timeout.InfiniteTimeSpan, null,
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await connection.EndAsync(id, tellHost: true).ConfigureAwait(false);
            throw;
        }
        return EmbeddingCodec.ReadReply(reply);
    }

    /// <summary>The last stats snapshot received (no I/O): from the latest probe answer or <see cref="GetStatsAsync"/>.</summary>
    public EngineStats GetStats() => Volatile.Read(ref _stats);

    /// <summary>Asks the host for a fresh stats snapshot (at most <see cref="RemoteEngineOptions.HealthProbeTimeout"/>).</summary>
    public async Task<EngineStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
        byte[] reply = await connection.CallAsync(NextId(), RemoteOp.StatsRequest, MessageType.Control, "a stats request",
            _options.HealthProbeTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Length == 0 || (RemoteOp)reply[0] != RemoteOp.StatsReply) RemoteThrowHelper.ThrowProtocol("expected a stats reply");
        EngineStats stats = EngineStatsCodec.Read(reply.AsSpan(1));
        Volatile.Write(ref _stats, stats);
        return stats;
    }

    /// <summary>Probes the host now (reconnecting first when the connection was lost); updates
    /// <see cref="IsHealthy"/>, <see cref="Load"/> and the stats snapshot. Returns the new health.</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
            byte[] reply = await connection.CallAsync(NextId(), default, MessageType.HealthProbe, "a health probe",
                _options.HealthProbeTimeout, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _stats, EngineStatsCodec.Read(reply));
            _probeHealthy = true;
        }
        catch (Exception ex) when (ex is RemoteInstanceException or KvTransportException)
        {
            _probeHealthy = false;
        }
        return IsHealthy;
    }

    /// <summary>Stops probing and closes the connection; requests still running fail with
    /// <see cref="RemoteInstanceException"/> and the host cancels them. The remote engine keeps running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _disposing.CancelAsync().ConfigureAwait(false);
        await _healthLoop.ConfigureAwait(false);
        await _link.DisposeAsync().ConfigureAwait(false);
        _disposing.Dispose();
    }

    /// <summary>Sends the call <paramref name="encode"/> writes and streams its updates; with <paramref name="promptKv"/>
    /// the host's KV pulls are answered from it.</summary>
    private async IAsyncEnumerable<GenerationUpdate> StreamAsync(Action<WireWriter> encode, MessageType type, IKvSource? promptKv,
        [EnumeratorCancellation] CancellationToken cancellationToken, int choices = 1)
    {
        RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
        long id = NextId();
        RemoteCall call;
        using (var w = new WireWriter())
        {
            encode(w);
            Func<int, Task>? onPull = promptKv is null ? null : from => connection.SupplyKvAsync(promptKv, id, from, cancellationToken);
            call = await connection.StartAsync(id, type, w.Written, onPull, cancellationToken, choices).ConfigureAwait(false);
        }
        bool finished = false;
        int open = choices; // choices still without their final update
        try
        {
            while (!finished)
            {
                GenerationUpdate? update = await call.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (update is null) break;
                finished = update.IsFinal && --open == 0;
                yield return update;
            }
        }
        finally
        {
            await connection.EndAsync(id, tellHost: !finished && !call.Ended).ConfigureAwait(false);
        }
    }

    internal long NextId() => _link.NextId();

    /// <inheritdoc />
    public Task<bool> ProbeHealthAsync(CancellationToken cancellationToken = default) => ProbeAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<PrefillResult> PrefillAsync(PrefillRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
        long id = NextId();
        using var w = new WireWriter();
        RemoteKvMessages.WritePrefill(w, request);
        byte[] reply = await connection.CallAsync(id, MessageType.Control, w.Written, "a prefill", Timeout.InfiniteTimeSpan, null,
            cancellationToken).ConfigureAwait(false);
        var r = RemoteKvMessages.ReadPrefillReply(reply);
        return new PrefillResult(r.FirstToken, r.PromptTokens, r.Cached, new RemoteKvSource(this, connection, id, r.Blocks, r.Tokens),
            r.State, r.Time) { FirstLogprobs = r.Logprobs };
    }

    /// <inheritdoc />
    public IAsyncEnumerable<GenerationUpdate> DecodeAsync(DecodeRequest request, IKvSource promptKv, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(promptKv);
        var shape = new RemoteKvMessages.SourceShape(promptKv.InstanceId, promptKv.BlockCount, promptKv.TokenCount);
        return StreamAsync(w => RemoteKvMessages.WriteDecode(w, request, shape), MessageType.Control, promptKv, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IKvSource> ExportCachedAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken = default)
    {
        RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
        long id = NextId();
        using var w = new WireWriter();
        w.WriteByte((byte)RemoteOp.Export);
        w.WriteInt32List(tokens.ToArray());
        byte[] reply = await connection.CallAsync(id, MessageType.Control, w.Written, "an export", Timeout.InfiniteTimeSpan, null,
            cancellationToken).ConfigureAwait(false);
        (int blocks, int tokenCount, _) = RemoteKvMessages.ReadCounts(reply, RemoteOp.ExportReply);
        return new RemoteKvSource(this, connection, id, blocks, tokenCount);
    }

    /// <inheritdoc />
    public async Task<KvImportResult> ImportAsync(ReadOnlyMemory<int> tokens, IKvSource source, bool insert,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        RemoteConnection connection = await _link.GetAsync(cancellationToken).ConfigureAwait(false);
        long id = NextId();
        using var w = new WireWriter();
        RemoteKvMessages.WriteImport(w, tokens.Span, insert, new RemoteKvMessages.SourceShape(source.InstanceId, source.BlockCount, source.TokenCount));
        byte[] reply = await connection.CallAsync(id, MessageType.Control, w.Written, "an import", Timeout.InfiniteTimeSpan,
            from => connection.SupplyKvAsync(source, id, from, cancellationToken), cancellationToken).ConfigureAwait(false);
        (int held, int received, int inserted) = RemoteKvMessages.ReadCounts(reply, RemoteOp.ImportReply);
        return new KvImportResult(held, received, inserted);
    }

    /// <inheritdoc />
    public IDisposable SubscribeCacheEvents(Action<CacheEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_cacheEvents.Add(handler)) _link.Subscribe();
        return new RemoteCacheEvents.Subscription(_cacheEvents, handler);
    }

    private async Task HealthLoopAsync()
    {
        if (_options.HealthProbeInterval == Timeout.InfiniteTimeSpan) return;
        using var timer = new PeriodicTimer(_options.HealthProbeInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposing.Token).ConfigureAwait(false))
                await ProbeAsync(_disposing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Disposed.
        }
    }

    private static ITokenizer TokenizerOf(RemoteInstanceInfo info, RemoteEngineOptions options, string endpoint)
    {
        if (info.TokenizerJson is { } json)
            return Tokenization.Tokenizer.FromJson(json, info.TokenizerConfigJson, $"tokenizer.json of remote instance {info.InstanceId}");
        return options.Tokenizer ?? throw new RemoteInstanceException(info.InstanceId, endpoint,
            $"Remote instance {info.InstanceId} at {endpoint} publishes no tokenizer; set RemoteEngineOptions.Tokenizer.");
    }
}
