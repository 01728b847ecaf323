using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Something waiting on a <see cref="RemoteConnection"/> for frames with one correlation id. Called
/// only from the connection's read loop, one frame at a time.</summary>
internal interface IRemoteReceiver
{
    /// <summary>A frame with this receiver's correlation id arrived; the frame is disposed after the call.
    /// Throwing a <see cref="KvTransportException"/> (a malformed frame) closes the connection.</summary>
    void OnFrame(in TransportFrame frame);

    /// <summary>The connection was lost (or closed) before the receiver was done.</summary>
    void Fail(Exception error);
}
