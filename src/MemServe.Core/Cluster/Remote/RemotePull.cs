using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Recognises a <see cref="RemoteOp.KvPull"/> frame inside a client call and hands it to the call's pull
/// handler on a pool thread (the read loop must not wait for a KV send). Stateless.</summary>
internal static class RemotePull
{
    /// <summary>True when <paramref name="frame"/> was a pull (and was dispatched).</summary>
    public static bool TryRead(in TransportFrame frame, Func<int, Task>? onPull)
    {
        if (frame.Header.Type != MessageType.Control || (frame.Header.Flags & (FrameFlags.Error | FrameFlags.Response)) != 0
            || frame.Length == 0 || (RemoteOp)frame.Payload[0] != RemoteOp.KvPull)
            return false;
        (_, int fromBlock) = RemoteKvMessages.ReadHandle(frame.Payload, RemoteOp.KvPull);
        if (onPull is null) RemoteThrowHelper.ThrowProtocol("KV pull for a call that has no KV to give");
        _ = Task.Run(() => onPull(fromBlock));
        return true;
    }
}
