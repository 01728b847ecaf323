using System.Collections.Concurrent;
using System.Net;
using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Serves one engine to remote clients over TCP: accepts connections on a <see cref="TcpKvListener"/> and runs
/// a session per connection that speaks the remote-engine protocol (<see cref="RemoteOp"/>), so
/// <see cref="RemoteEngine"/> clients in other processes or hosts can generate, cancel, probe health and read
/// stats. Many requests run concurrently on one connection, told apart by correlation id.
/// </summary>
/// <remarks>
/// The host does not own the engine: dispose the host first (it closes every connection, which cancels their
/// running requests, and stops listening), then the engine. Thread-safe.
/// </remarks>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly TcpKvListener _listener;
    private readonly ILlmEngine? _engine;
    private readonly IEngineInstance? _instance;
    private readonly RemoteInstanceInfo _info;
    private readonly EngineHostOptions _options;
    private readonly ConcurrentDictionary<HostSession, byte> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private EngineHost(TcpKvListener listener, ILlmEngine? engine, IEngineInstance? instance, EngineHostOptions options)
    {
        _listener = listener;
        _engine = engine;
        _instance = instance;
        _options = options;
        string id = options.InstanceId ?? listener.LocalEndPoint.ToString();
        InstanceRole role = instance?.Role ?? options.Role;
        ModelInfo model = instance?.ModelInfo ?? engine!.ModelInfo;
        _info = new RemoteInstanceInfo(RemoteProtocol.Version, id, role, model, options.TokenizerJson, options.TokenizerConfigJson);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The bound endpoint (the real port when port 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>What the host announces to clients.</summary>
    public RemoteInstanceInfo Info => _info;

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => _sessions.Count;

    /// <summary>Starts listening on <paramref name="endPoint"/> (port 0 picks a free port) and serving
    /// <paramref name="engine"/>, which must outlive the host.</summary>
    public static EngineHost Start(ILlmEngine engine, IPEndPoint endPoint, EngineHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return Start(engine, null, endPoint, options);
    }

    /// <summary>Starts serving <paramref name="instance"/> with every operation of <see cref="IEngineInstance"/>
    /// (prefill-and-export, import-and-decode, export, import, cache events); its role is announced.</summary>
    public static EngineHost Start(IEngineInstance instance, IPEndPoint endPoint, EngineHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return Start(null, instance, endPoint, options);
    }

    private static EngineHost Start(ILlmEngine? engine, IEngineInstance? instance, IPEndPoint endPoint, EngineHostOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new EngineHostOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRequestsPerConnection, 1);
        TcpKvListener listener = KvTransports.ListenTcp(endPoint, options.Transport);
        return new EngineHost(listener, engine, instance, options);
    }

    /// <summary>Stops listening, closes every connection (cancelling their requests) and waits for their
    /// sessions to end. The engine is left running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        foreach (HostSession session in _sessions.Keys)
        {
            await session.CloseAsync().ConfigureAwait(false);
            await session.Completion.ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            IKvTransport transport;
            try
            {
                transport = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KvTransportException or OperationCanceledException)
            {
                return; // the listener was disposed
            }
            var session = new HostSession(transport, _engine, _instance, _info, _options.MaxRequestsPerConnection);
            _sessions.TryAdd(session, 0);
            session.Start(ended => _sessions.TryRemove(ended, out _), _stopping.Token);
        }
    }
}
