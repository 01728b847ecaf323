using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Tokenization;
using MemServe.Transport;

namespace MemServe.Cluster;

/// <summary>
/// An <see cref="IEngineInstance"/> over an in-process <see cref="LlmEngine"/>. KV from other instances arrives
/// over a fresh link per transfer from the <see cref="KvLinkFactory"/>; the engine's prompt tree reports its
/// inserts and evictions to subscribers (<see cref="SubscribeCacheEvents"/>). Owns the engine: disposing the
/// instance disposes it. Thread-safe.
/// </summary>
public sealed class LocalEngineInstance : IEngineInstance, IPromptTreeObserver
{
    private static long s_transferIds;
    private readonly LlmEngine _engine;
    private readonly KvLinkFactory _links;
    private readonly object _lock = new();
    private Action<CacheEvent>[] _handlers = [];
    private int _disposed;

    /// <summary>Wraps <paramref name="engine"/> (which the instance owns from here on) as instance
    /// <paramref name="id"/> with <paramref name="role"/>; transfers into it use <paramref name="links"/> (default
    /// in-process pairs).</summary>
    public LocalEngineInstance(string id, InstanceRole role, LlmEngine engine, KvLinkFactory? links = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
        Role = role;
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _links = links ?? KvLinks.InProcess;
        if (engine.MemPool is not null)
        {
            _engine.Loop.InvokeAsync(() =>
            {
                engine.MemPool.Observer = this;
                return true;
            }).GetAwaiter().GetResult();
        }
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public InstanceRole Role { get; }

    /// <inheritdoc />
    public bool IsHealthy => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc />
    public InstanceLoad Load
    {
        get
        {
            EngineStats stats = _engine.GetStats();
            double usage = stats.KvBlocksTotal == 0 ? 0 : (double)stats.KvBlocksUsed / stats.KvBlocksTotal;
            return new InstanceLoad(stats.Running, stats.Waiting, 0, usage);
        }
    }

    /// <inheritdoc />
    public ModelInfo ModelInfo => _engine.ModelInfo;

    /// <inheritdoc />
    public ITokenizer Tokenizer => _engine.Tokenizer;

    /// <inheritdoc />
    public int BlockTokens => _engine.Kv.BlockTokens;

    /// <summary>The engine behind the instance.</summary>
    public LlmEngine Engine => _engine;

    /// <inheritdoc />
    public EngineStats GetStats() => _engine.GetStats();

    /// <inheritdoc />
    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        _engine.GenerateAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) =>
        _engine.EmbedAsync(request, cancellationToken);

    /// <inheritdoc />
    public async Task<PrefillResult> PrefillAsync(PrefillRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        PrefillOutput output = await _engine.Kv.PrefillAsync(request.Request, request.UseCache, cancellationToken).ConfigureAwait(false);
        return new PrefillResult(output.FirstToken, output.Kv.TokenCount, output.CachedPromptTokens,
            new LocalKvSource(Id, _engine.Kv, output.Kv), output.GeneratorState, output.PrefillTime) { FirstLogprobs = output.FirstLogprobs };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<GenerationUpdate> DecodeAsync(DecodeRequest request, IKvSource promptKv,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(promptKv);
        int[] prompt = _engine.Validate(request.Request);
        if (promptKv.TokenCount != prompt.Length || promptKv.BlockCount != _engine.Storage.Layout.BlocksFor(prompt.Length))
        {
            throw new ArgumentException($"The prompt KV covers {promptKv.TokenCount} tokens in {promptKv.BlockCount} blocks; " +
                $"the prompt has {prompt.Length} tokens.", nameof(promptKv));
        }
        (KvLanding landing, _) = await LandAsync(prompt, promptKv, request.UseCache, request.UseCache, cancellationToken).ConfigureAwait(false);
        int held = Math.Min(prompt.Length, landing.HeldBlocks * BlockTokens);
        await foreach (GenerationUpdate update in _engine.Kv.DecodeAsync(request.Request, request.FirstToken, request.FirstLogprobs, request.GeneratorState,
            landing, request.UseCache, held, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <summary>By-layer decode side, before the prefill runs: allocates the prompt's blocks (keeping the ones cached
    /// here when <paramref name="useCache"/>) and starts receiving the frames a prefill on <paramref name="sourceId"/>
    /// will stream (<see cref="PrefillByLayerAsync"/>). Dispose the landing unless <see cref="DecodeLandedAsync"/> took it.</summary>
    internal async Task<ByLayerLanding> BeginByLayerLandingAsync(GenerationRequest request, string sourceId, bool useCache)
    {
        int[] prompt = _engine.Validate(request);
        KvLanding landing = await _engine.Kv.BeginLandingAsync(prompt, _engine.Storage.Layout.BlocksFor(prompt.Length), useCache)
            .ConfigureAwait(false);
        (IKvTransport senderEnd, IKvTransport receiverEnd) = _links(sourceId, Id);
        return new ByLayerLanding(_engine.Kv, prompt, landing, senderEnd, receiverEnd, Interlocked.Increment(ref s_transferIds));
    }

    /// <summary>By-layer prefill side: runs the prefill with the step that completes the prompt in groups of
    /// <paramref name="layersPerGroup"/> layers, streaming each group's KV into <paramref name="landing"/> as it is done.</summary>
    internal async Task<PrefillResult> PrefillByLayerAsync(PrefillRequest request, ByLayerLanding landing, int layersPerGroup,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        LayerStream? stream = landing.Landing.MissingBlocks == 0 ? null : _engine.Kv.CreateLayerStream(landing.SenderEnd,
            landing.TransferId, landing.Landing.HeldBlocks, landing.Landing.Hold.Blocks.Length, layersPerGroup);
        landing.Sending = stream?.Completion;
        PrefillOutput output = await _engine.Kv.PrefillAsync(request.Request, request.UseCache, cancellationToken, stream).ConfigureAwait(false);
        return new PrefillResult(output.FirstToken, output.Kv.TokenCount, output.CachedPromptTokens,
            new LocalKvSource(Id, _engine.Kv, output.Kv), output.GeneratorState, output.PrefillTime) { FirstLogprobs = output.FirstLogprobs };
    }

    /// <summary>By-layer decode side, after the prefill: waits until every layer landed, publishes (with
    /// <see cref="DecodeRequest.UseCache"/>) and decodes as <see cref="DecodeAsync"/>. Takes over the landing.</summary>
    internal async IAsyncEnumerable<GenerationUpdate> DecodeLandedAsync(DecodeRequest request, ByLayerLanding landing,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await landing.CompleteAsync(cancellationToken).ConfigureAwait(false);
        KvLanding landed = landing.Landing;
        try
        {
            await _engine.Kv.PublishAsync(landed, landing.Prompt, request.UseCache).ConfigureAwait(false);
        }
        catch
        {
            await landing.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        landing.HandedOver = true;
        int held = Math.Min(landing.Prompt.Length, landed.HeldBlocks * BlockTokens);
        await foreach (GenerationUpdate update in _engine.Kv.DecodeAsync(request.Request, request.FirstToken, request.FirstLogprobs, request.GeneratorState,
            landed, request.UseCache, held, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    public async Task<IKvSource> ExportCachedAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken = default)
    {
        KvHold hold = await _engine.Kv.ExportCachedAsync(tokens.ToArray()).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new LocalKvSource(Id, _engine.Kv, hold);
    }

    /// <inheritdoc />
    public async Task<KvImportResult> ImportAsync(ReadOnlyMemory<int> tokens, IKvSource source, bool insert,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        int[] prefix = tokens[..Math.Min(tokens.Length, source.TokenCount)].ToArray();
        (KvLanding landing, int inserted) = await LandAsync(prefix, source, matchOwn: true, insert, cancellationToken).ConfigureAwait(false);
        await _engine.Kv.ReleaseAsync(landing.Hold).ConfigureAwait(false);
        return new KvImportResult(landing.HeldBlocks, landing.MissingBlocks, inserted);
    }

    /// <inheritdoc />
    public IDisposable SubscribeCacheEvents(Action<CacheEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        MemPool? memPool = _engine.MemPool;
        // Registered and primed on the engine thread, so no event falls between the snapshot and the first one.
        _engine.Loop.InvokeAsync(() =>
        {
            lock (_lock) _handlers = [.. _handlers, handler];
            if (memPool is not null && memPool.CachedBlocks > 0) handler(new CacheEvent(Id, CacheEventKind.Inserted, Snapshot(memPool)));
            return true;
        }).GetAwaiter().GetResult();
        return new Subscription(this, handler);
    }

    /// <inheritdoc />
    public Task<bool> ProbeHealthAsync(CancellationToken cancellationToken = default) => Task.FromResult(IsHealthy);

    /// <summary>Disposes the engine. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _engine.DisposeAsync().ConfigureAwait(false);
    }

    void IPromptTreeObserver.OnInserted(ReadOnlySpan<ulong> chainedHashes) => Raise(CacheEventKind.Inserted, chainedHashes);

    void IPromptTreeObserver.OnRemoved(ReadOnlySpan<ulong> chainedHashes) => Raise(CacheEventKind.Evicted, chainedHashes);

    private void Raise(CacheEventKind kind, ReadOnlySpan<ulong> hashes)
    {
        Action<CacheEvent>[] handlers = Volatile.Read(ref _handlers);
        if (handlers.Length == 0) return;
        var e = new CacheEvent(Id, kind, hashes.ToArray());
        foreach (Action<CacheEvent> handler in handlers) handler(e);
    }

    private static ulong[] Snapshot(MemPool memPool)
    {
        var hashes = new ulong[memPool.Tree.NodeCount];
        int i = 0;
        foreach (PromptTreeNode node in memPool.Tree.Nodes) hashes[i++] = node.GlobalHash;
        return hashes;
    }

    // Allocates (keeping what this engine caches when matchOwn), receives the rest of source's blocks, and
    // publishes when insert; on any failure frees everything and publishes nothing.
    private async Task<(KvLanding Landing, int Inserted)> LandAsync(int[] tokens, IKvSource source, bool matchOwn, bool insert, CancellationToken cancellationToken)
    {
        KvLanding landing = await _engine.Kv.BeginLandingAsync(tokens, source.BlockCount, matchOwn).ConfigureAwait(false);
        try
        {
            if (landing.MissingBlocks > 0) await ReceiveAsync(source, landing, cancellationToken).ConfigureAwait(false);
            int inserted = await _engine.Kv.PublishAsync(landing, tokens, insert).ConfigureAwait(false);
            return (landing, inserted);
        }
        catch
        {
            await _engine.Kv.ReleaseAsync(landing.Hold).ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReceiveAsync(IKvSource source, KvLanding landing, CancellationToken cancellationToken)
    {
        long transferId = Interlocked.Increment(ref s_transferIds);
        (IKvTransport senderEnd, IKvTransport receiverEnd) = _links(source.InstanceId, Id);
        try
        {
            Task send = SendThenCloseOnErrorAsync(source, senderEnd, transferId, landing.HeldBlocks, cancellationToken);
            KvTransferResult result = await _engine.Kv.ReceiveAsync(landing, receiverEnd, transferId, cancellationToken).ConfigureAwait(false);
            if (!result.Completed) await senderEnd.DisposeAsync().ConfigureAwait(false); // unblocks a waiting sender
            Exception? sendError = await TransferOutcome.FaultOfAsync(send).ConfigureAwait(false);
            TransferOutcome.ThrowIfFailed(result, sendError, $"KV transfer {transferId} from {source.InstanceId} to {Id}", landing.MissingBlocks);
        }
        finally
        {
            await senderEnd.DisposeAsync().ConfigureAwait(false);
            await receiverEnd.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task SendThenCloseOnErrorAsync(IKvSource source, IKvTransport link, long transferId, int fromBlock,
        CancellationToken cancellationToken)
    {
        try
        {
            await source.SendAsync(link, transferId, fromBlock, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false); // the receiver stops waiting
            throw;
        }
    }

    private sealed class Subscription(LocalEngineInstance owner, Action<CacheEvent> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                int at = Array.IndexOf(owner._handlers, handler);
                if (at >= 0) owner._handlers = [.. owner._handlers[..at], .. owner._handlers[(at + 1)..]];
            }
        }
    }
}
