using MemServe.Cluster;
using MemServe.Transport;

namespace MemServe.Core.Tests.Cluster;

/// <summary>A <see cref="KvLinkFactory"/> whose links can be told to fail: the sender's end throws
/// (<see cref="FailureMode.SendThrows"/>) or the frame arrives with the wrong block count
/// (<see cref="FailureMode.WrongFrame"/>, which the receiver must refuse before writing anything).</summary>
public sealed class FailingLinks
{
    public enum FailureMode { None, SendThrows, WrongFrame }

    public FailureMode Mode { get; set; }

    public int LinksOpened { get; private set; }

    internal KvLinkFactory Factory => (_, _) =>
    {
        LinksOpened++;
        (IKvTransport sender, IKvTransport receiver) = KvTransports.CreateInProcessPair();
        return (new FaultySender(sender, Mode), receiver);
    };

    private sealed class FaultySender(IKvTransport inner, FailureMode mode) : IKvTransport
    {
        public string PeerName => inner.PeerName;
        public bool IsConnected => inner.IsConnected;
        public long PendingSendBytes => inner.PendingSendBytes;

        public ValueTask SendAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken = default)
            where TPayload : IFramePayload
        {
            switch (mode)
            {
                case FailureMode.SendThrows:
                    throw new KvTransportException(TransportErrorKind.PeerGone, "injected: the link broke");
                case FailureMode.WrongFrame:
                    var bytes = new byte[payload.Length];
                    payload.CopyTo(0, bytes);
                    bytes[0] ^= 1; // the block count no longer matches what the receiver allocated
                    return inner.SendAsync(header, new BytesPayload(bytes), cancellationToken);
                default:
                    return inner.SendAsync(header, payload, cancellationToken);
            }
        }

        public ValueTask<TransportFrame> ReceiveAsync(CancellationToken cancellationToken = default) => inner.ReceiveAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
