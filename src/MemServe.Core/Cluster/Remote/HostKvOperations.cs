using System.Collections.Concurrent;
using System.Threading.Channels;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// The KV-moving half of a <see cref="HostSession"/> over an <see cref="IEngineInstance"/>: prefill-and-hold,
/// export-and-hold, sending held KV back to the client, releasing it, pulling KV from the client for a decode or
/// import, and forwarding the instance's cache events. Everything held is released when the session ends
/// (<see cref="DisposeAsync"/>), so a lost client never pins blocks. Thread-safe.
/// </summary>
internal sealed class HostKvOperations(IKvTransport transport, IEngineInstance instance) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, IAsyncDisposable> _held = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<byte[]>> _pulls = new();
    private readonly Channel<CacheEvent> _events = Channel.CreateUnbounded<CacheEvent>(new UnboundedChannelOptions { SingleReader = true });
    private IDisposable? _subscription;
    private Task _eventPump = Task.CompletedTask;

    public IEngineInstance Instance => instance;

    public async Task PrefillAsync(long id, PrefillRequest request, CancellationToken cancellationToken)
    {
        PrefillResult result = await instance.PrefillAsync(request, cancellationToken).ConfigureAwait(false);
        if (!_held.TryAdd(id, result))
        {
            await result.DisposeAsync().ConfigureAwait(false);
            RemoteThrowHelper.ThrowProtocol($"handle {id} is already held");
        }
        using var w = new WireWriter();
        RemoteKvMessages.WritePrefillReply(w, result);
        await RemoteProtocol.SendControlAsync(transport, id, w.Written, FrameFlags.Response, CancellationToken.None).ConfigureAwait(false);
    }

    public async Task ExportAsync(long id, int[] tokens, CancellationToken cancellationToken)
    {
        IKvSource source = await instance.ExportCachedAsync(tokens, cancellationToken).ConfigureAwait(false);
        if (!_held.TryAdd(id, source))
        {
            await source.DisposeAsync().ConfigureAwait(false);
            RemoteThrowHelper.ThrowProtocol($"handle {id} is already held");
        }
        using var w = new WireWriter();
        RemoteKvMessages.WriteCounts(w, RemoteOp.ExportReply, source.BlockCount, source.TokenCount);
        await RemoteProtocol.SendControlAsync(transport, id, w.Written, FrameFlags.Response, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Sends held KV back to the client straight onto the session's connection, as one aggregated frame
    /// with correlation <paramref name="id"/>.</summary>
    public async Task SendHeldAsync(long id, long handle, int fromBlock, CancellationToken cancellationToken)
    {
        IKvSource source = _held.TryGetValue(handle, out IAsyncDisposable? held)
            ? held as IKvSource ?? ((PrefillResult)held).Kv
            : throw new MemServeException($"No KV is held under handle {handle} (released, or never held).");
        await source.SendAsync(transport, id, fromBlock, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReleaseAsync(long handle)
    {
        if (_held.TryRemove(handle, out IAsyncDisposable? held)) await held.DisposeAsync().ConfigureAwait(false);
    }

    public async Task<KvImportResult> ImportAsync(long id, int[] tokens, bool insert, RemoteKvMessages.SourceShape shape,
        CancellationToken cancellationToken) =>
        await instance.ImportAsync(tokens, new ForwardedKvSource(this, id, shape), insert, cancellationToken).ConfigureAwait(false);

    /// <summary>Asks the client for KV from <paramref name="fromBlock"/> for call <paramref name="callId"/> and waits for it.</summary>
    public async Task<byte[]> PullAsync(long callId, int fromBlock, CancellationToken cancellationToken)
    {
        var pull = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pulls.TryAdd(callId, pull)) RemoteThrowHelper.ThrowProtocol($"call {callId} already waits for KV");
        try
        {
            using var w = new WireWriter(16);
            RemoteKvMessages.WriteHandle(w, RemoteOp.KvPull, callId, fromBlock);
            await RemoteProtocol.SendControlAsync(transport, callId, w.Written, FrameFlags.None, CancellationToken.None).ConfigureAwait(false);
            return await pull.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pulls.TryRemove(callId, out _);
        }
    }

    /// <summary>The client's KV (or its error) for a pull arrived; false when nobody waits for it.</summary>
    public bool OnPulled(in TransportFrame frame)
    {
        if (!_pulls.TryGetValue(frame.Header.CorrelationId, out TaskCompletionSource<byte[]>? pull)) return false;
        if ((frame.Header.Flags & FrameFlags.Error) != 0)
        {
            (RemoteErrorKind _, string message) = GenerationUpdateCodec.ReadError(frame.Payload);
            pull.TrySetException(new KvTransportException(TransportErrorKind.PeerGone, $"The client could not supply the KV: {message}"));
        }
        else
        {
            pull.TrySetResult(frame.Payload.ToArray());
        }
        return true;
    }

    /// <summary>Starts forwarding cache events (once per session; later calls do nothing).</summary>
    public void Subscribe()
    {
        if (Interlocked.CompareExchange(ref _subscription, NoSubscription.Instance, null) is not null) return;
        _eventPump = Task.Run(PumpEventsAsync);
        Volatile.Write(ref _subscription, instance.SubscribeCacheEvents(e => _events.Writer.TryWrite(e)));
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _subscription, NoSubscription.Instance)?.Dispose();
        _events.Writer.TryComplete();
        await _eventPump.ConfigureAwait(false);
        foreach (long handle in _held.Keys) await ReleaseAsync(handle).ConfigureAwait(false);
        foreach (TaskCompletionSource<byte[]> pull in _pulls.Values)
            pull.TrySetException(new KvTransportException(TransportErrorKind.PeerGone, "The client connection closed."));
    }

    private async Task PumpEventsAsync()
    {
        try
        {
            await foreach (CacheEvent e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                MessageType type = e.Kind == CacheEventKind.Inserted ? MessageType.InsertEvent : MessageType.EvictEvent;
                await transport.SendAsync(new FrameHeader(type, RemoteProtocol.NoCorrelation), new BlockHashesPayload(e.ChainedHashes))
                    .ConfigureAwait(false);
            }
        }
        catch (KvTransportException)
        {
            // The client is gone; the session is ending.
        }
    }

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose() { }
    }
}
