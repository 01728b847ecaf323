using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Waits for the single reply to a hello, stats request or health probe; completes with a copy of
/// the reply's payload (small), or fails when the host reported an error or the connection was lost.</summary>
internal sealed class ReplyWaiter : IRemoteReceiver
{
    private readonly TaskCompletionSource<byte[]> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _instanceId;
    private readonly string _endpoint;

    public ReplyWaiter(string instanceId, string endpoint)
    {
        _instanceId = instanceId;
        _endpoint = endpoint;
    }

    /// <summary>The reply's payload.</summary>
    public Task<byte[]> Reply => _reply.Task;

    /// <summary>Called (on a pool thread) when the host asks for KV from a block during this call.</summary>
    public Func<int, Task>? OnPull { get; init; }

    public void OnFrame(in TransportFrame frame)
    {
        if (RemotePull.TryRead(frame, OnPull)) return;
        if ((frame.Header.Flags & FrameFlags.Error) != 0)
        {
            (RemoteErrorKind kind, string message) = GenerationUpdateCodec.ReadError(frame.Payload);
            _reply.TrySetException(RemoteThrowHelper.FromRemote(kind, message, _instanceId, _endpoint));
            return;
        }
        _reply.TrySetResult(frame.Payload.ToArray());
    }

    public void Fail(Exception error) => _reply.TrySetException(error);
}
