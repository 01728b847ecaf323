using System.Net;
using System.Net.Sockets;
using MemServe.Transport;

namespace MemServe.Core.Tests.Transport;

/// <summary>A listener on 127.0.0.1 and a connected client/server pair, for TCP tests.</summary>
internal sealed class TcpTestPeers : IAsyncDisposable
{
    private TcpTestPeers(TcpKvListener listener, IKvTransport client, IKvTransport server)
    {
        Listener = listener;
        Client = client;
        Server = server;
    }

    public TcpKvListener Listener { get; }
    public IKvTransport Client { get; }
    public IKvTransport Server { get; }

    public static async Task<TcpTestPeers> ConnectAsync(TcpTransportOptions? clientOptions = null, TcpTransportOptions? serverOptions = null)
    {
        TcpKvListener listener = KvTransports.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), serverOptions);
        ValueTask<IKvTransport> accept = listener.AcceptAsync();
        IKvTransport client = await KvTransports.ConnectTcpAsync(listener.LocalEndPoint, clientOptions);
        IKvTransport server = await accept;
        return new TcpTestPeers(listener, client, server);
    }

    /// <summary>A loopback port nobody listens on (bound, then released).</summary>
    public static IPEndPoint UnusedEndPoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Polls <paramref name="condition"/> (bounded: about 5 s) and reports whether it became true.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500; i++)
        {
            if (condition()) return true;
            await Task.Delay(10);
        }
        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        await Listener.DisposeAsync();
    }
}
