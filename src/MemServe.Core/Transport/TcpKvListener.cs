using System.Net;
using System.Net.Sockets;

namespace MemServe.Transport;

/// <summary>
/// Accepts TCP peers on one endpoint and hands each one out as an <see cref="IKvTransport"/>. The caller
/// owns every accepted transport (disposing the listener does not close them). Thread-safe.
/// </summary>
public sealed class TcpKvListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly TcpTransportOptions _options;

    private TcpKvListener(Socket socket, TcpTransportOptions options)
    {
        _socket = socket;
        _options = options;
    }

    /// <summary>The bound endpoint (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Binds and starts listening on <paramref name="endPoint"/> (port 0 picks a free port). The
    /// address may be reused at once after a previous listener on it closed.</summary>
    public static TcpKvListener Start(IPEndPoint endPoint, TcpTransportOptions? options = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new TcpKvListener(socket, options ?? TcpTransportOptions.Default);
    }

    /// <summary>Waits for the next peer. Throws <see cref="KvTransportException"/>
    /// (<see cref="TransportErrorKind.PeerGone"/>) once the listener is disposed.</summary>
    public async ValueTask<IKvTransport> AcceptAsync(CancellationToken cancellationToken = default)
    {
        Socket peer;
        try
        {
            peer = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            TransportThrowHelper.ThrowPeerGone("listener " + LocalEndPointOrUnknown(), ex);
            throw; // unreachable
        }
        return new TcpConnection(peer, _options, peer.RemoteEndPoint?.ToString() ?? "tcp peer");
    }

    /// <summary>Stops listening.</summary>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private string LocalEndPointOrUnknown()
    {
        try { return _socket.LocalEndPoint?.ToString() ?? "(closed)"; }
        catch (ObjectDisposedException) { return "(closed)"; }
    }
}
