using System.Net;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// The connection a <see cref="RemoteEngine"/> keeps to its host: reconnects on first use after a loss (one attempt at a
/// time), wires each connection's cache events into <see cref="RemoteCacheEvents"/> and subscribes again when someone
/// listens, and numbers calls. Thread-safe.
/// </summary>
internal sealed class RemoteLink : IAsyncDisposable
{
    private readonly IPEndPoint _endPoint;
    private readonly RemoteEngineOptions _options;
    private readonly string _instanceId;
    private readonly RemoteCacheEvents _cacheEvents;
    private readonly object _owner;
    private readonly SemaphoreSlim _reconnect = new(1, 1);
    private RemoteConnection _connection;
    private long _nextId;
    private int _disposed;

    /// <summary>Takes over <paramref name="connection"/> (whose hello used call id <paramref name="lastId"/>) for
    /// <paramref name="owner"/>, which disposed-object errors name.</summary>
    public RemoteLink(object owner, IPEndPoint endPoint, RemoteEngineOptions options, string instanceId, RemoteConnection connection,
        RemoteCacheEvents cacheEvents, long lastId)
    {
        _owner = owner;
        _endPoint = endPoint;
        _options = options;
        _instanceId = instanceId;
        _cacheEvents = cacheEvents;
        _connection = connection;
        _nextId = lastId;
        Info = connection.Info;
        Attach(connection);
    }

    /// <summary>What the host announced at the last (re)connect.</summary>
    public RemoteInstanceInfo Info { get; private set; }

    /// <summary>True while the current connection is up.</summary>
    public bool IsOpen => Volatile.Read(ref _connection).IsOpen;

    /// <summary>A fresh call id.</summary>
    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>The open connection, reconnecting first when it was lost. Throws <see cref="ObjectDisposedException"/>
    /// once disposed, or what <see cref="RemoteConnection.OpenAsync"/> throws for an unreachable host.</summary>
    public async ValueTask<RemoteConnection> GetAsync(CancellationToken cancellationToken)
    {
        RemoteConnection current = Volatile.Read(ref _connection);
        if (current.IsOpen) return current;
        await _reconnect.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, _owner);
            current = Volatile.Read(ref _connection);
            if (current.IsOpen) return current;
            RemoteConnection fresh = await RemoteConnection.OpenAsync(_endPoint, _instanceId, _options.Transport, _options.HelloTimeout,
                NextId(), cancellationToken).ConfigureAwait(false);
            Attach(fresh);
            Info = fresh.Info;
            Volatile.Write(ref _connection, fresh);
            await current.DisposeAsync().ConfigureAwait(false);
            return fresh;
        }
        finally
        {
            _reconnect.Release();
        }
    }

    /// <summary>Asks the host for cache events on the current connection (a reconnect subscribes again by itself).</summary>
    public void Subscribe() => _ = SubscribeAsync(Volatile.Read(ref _connection));

    /// <summary>Closes the connection; calls in flight fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _reconnect.WaitAsync().ConfigureAwait(false);
        try { await Volatile.Read(ref _connection).DisposeAsync().ConfigureAwait(false); }
        finally { _reconnect.Release(); }
    }

    private static async Task SubscribeAsync(RemoteConnection connection)
    {
        try { await RemoteProtocol.SendOpAsync(connection.Transport, RemoteProtocol.NoCorrelation, RemoteOp.Subscribe).ConfigureAwait(false); }
        catch (KvTransportException) { /* a reconnect subscribes again */ }
    }

    private void Attach(RemoteConnection connection)
    {
        connection.NameInstance(_instanceId);
        connection.CacheEvent += (type, hashes) => _cacheEvents.OnHostEvent(type == MessageType.InsertEvent, hashes);
        connection.Closed += _cacheEvents.OnConnectionLost;
        if (_cacheEvents.HasHandlers) _ = SubscribeAsync(connection);
    }
}
