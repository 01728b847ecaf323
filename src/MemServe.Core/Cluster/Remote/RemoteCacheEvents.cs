namespace MemServe.Cluster.Remote;

/// <summary>
/// The client side of a remote instance's cache events: a mirror of the chained block hashes the host reported
/// as cached, and the subscribed handlers. A new subscriber first hears the mirror (as the contract of
/// <see cref="IEngineInstance.SubscribeCacheEvents"/> requires); when the connection is lost every mirrored hash
/// is reported evicted, so the global prompt tree stops routing by a dead instance's cache. Thread-safe (one lock;
/// handlers run under it, so they must be quick, as the contract says).
/// </summary>
internal sealed class RemoteCacheEvents(string instanceId)
{
    private readonly object _lock = new();
    private readonly HashSet<ulong> _mirror = [];
    private readonly List<Action<CacheEvent>> _handlers = [];

    /// <summary>Adds a handler and primes it with the mirror; returns true for the first handler (the caller then
    /// asks the host to start forwarding).</summary>
    public bool Add(Action<CacheEvent> handler)
    {
        lock (_lock)
        {
            _handlers.Add(handler);
            if (_mirror.Count > 0) handler(new CacheEvent(instanceId, CacheEventKind.Inserted, [.. _mirror]));
            return _handlers.Count == 1;
        }
    }

    public void Remove(Action<CacheEvent> handler)
    {
        lock (_lock) _handlers.Remove(handler);
    }

    /// <summary>True while anyone listens (a reconnect then subscribes again).</summary>
    public bool HasHandlers
    {
        get { lock (_lock) return _handlers.Count > 0; }
    }

    public void OnHostEvent(bool inserted, ulong[] hashes)
    {
        lock (_lock)
        {
            foreach (ulong hash in hashes)
                if (inserted) _mirror.Add(hash);
                else _mirror.Remove(hash);
            Raise(new CacheEvent(instanceId, inserted ? CacheEventKind.Inserted : CacheEventKind.Evicted, hashes));
        }
    }

    /// <summary>The connection was lost: everything mirrored counts as evicted.</summary>
    public void OnConnectionLost()
    {
        lock (_lock)
        {
            if (_mirror.Count == 0) return;
            ulong[] all = [.. _mirror];
            _mirror.Clear();
            Raise(new CacheEvent(instanceId, CacheEventKind.Evicted, all));
        }
    }

    private void Raise(CacheEvent e)
    {
        foreach (Action<CacheEvent> handler in _handlers) handler(e);
    }

    /// <summary>Unsubscribes on disposal.</summary>
    public sealed class Subscription(RemoteCacheEvents owner, Action<CacheEvent> handler) : IDisposable
    {
        public void Dispose() => owner.Remove(handler);
    }
}
