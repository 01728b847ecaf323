using System.Net;

namespace MemServe.Transport;

/// <summary>The built-in <see cref="IKvTransport"/> adapters, by name and by factory.</summary>
public static class KvTransports
{
    /// <summary>Name of the in-process adapter (a bounded channel pair).</summary>
    public const string InProcess = "in-process";

    /// <summary>Name of the TCP adapter (System.IO.Pipelines over a socket).</summary>
    public const string Tcp = "tcp";

    /// <summary>Creates two joined in-process ends; each is the other's peer.</summary>
    public static (IKvTransport First, IKvTransport Second) CreateInProcessPair(InProcessTransportOptions? options = null) =>
        InProcessTransport.CreatePair(options ?? InProcessTransportOptions.Default);

    /// <summary>Connects a client end to <paramref name="endPoint"/> (retrying as the options say) and returns
    /// it; it reconnects by itself after the connection is lost. Throws <see cref="KvTransportException"/>
    /// (<see cref="TransportErrorKind.Unreachable"/>) when no attempt succeeds.</summary>
    public static async ValueTask<IKvTransport> ConnectTcpAsync(EndPoint endPoint, TcpTransportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var client = new ReconnectingTcpClient(endPoint, options ?? TcpTransportOptions.Default);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a listener on <paramref name="endPoint"/> that accepts peers.</summary>
    public static TcpKvListener ListenTcp(IPEndPoint endPoint, TcpTransportOptions? options = null) =>
        TcpKvListener.Start(endPoint, options);
}
