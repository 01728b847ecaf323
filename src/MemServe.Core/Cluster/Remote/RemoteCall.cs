using System.Threading.Channels;
using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>
/// The client side of one request in flight on a <see cref="RemoteConnection"/>: the connection's read loop
/// decodes the request's frames into an unbounded channel (a slow consumer must not stall the other requests
/// multiplexed on the connection; the host's output is bounded by the request's MaxTokens), and the caller's
/// enumerator reads it. Ends with the final update, an error the host reported, or the connection's loss.
/// One writer (the read loop), one reader (the caller).
/// </summary>
internal sealed class RemoteCall : IRemoteReceiver
{
    private readonly Channel<GenerationUpdate> _updates =
        Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly string _instanceId;
    private readonly string _endpoint;
    private Exception? _error;

    public RemoteCall(long id, string instanceId, string endpoint)
    {
        Id = id;
        _instanceId = instanceId;
        _endpoint = endpoint;
    }

    /// <summary>Choices (<see cref="GenerationRequest.N"/>) whose final update has not arrived; the call ends at 0.</summary>
    public int OpenChoices { get; set; } = 1;

    /// <summary>The correlation id.</summary>
    public long Id { get; }

    /// <summary>True once any update arrived (a retry can then no longer be invisible to the caller).</summary>
    public bool AnyUpdate { get; private set; }

    /// <summary>True once the final update or an error arrived.</summary>
    public bool Ended { get; private set; }

    /// <summary>Called (on a pool thread) when the host asks for KV from a block during this call.</summary>
    public Func<int, Task>? OnPull { get; init; }

    public void OnFrame(in TransportFrame frame)
    {
        if (RemotePull.TryRead(frame, OnPull)) return;
        if (Ended) return;
        if ((frame.Header.Flags & FrameFlags.Error) != 0)
        {
            (RemoteErrorKind kind, string message) = GenerationUpdateCodec.ReadError(frame.Payload);
            Fail(RemoteThrowHelper.FromRemote(kind, message, _instanceId, _endpoint));
            return;
        }
        if (frame.Header.Type != MessageType.Control) RemoteThrowHelper.ThrowProtocol($"{frame.Header.Type} frame for a generation request");
        GenerationUpdate update = GenerationUpdateCodec.Read(frame.Payload);
        AnyUpdate = true;
        _updates.Writer.TryWrite(update);
        if (update.IsFinal && --OpenChoices == 0)
        {
            Ended = true;
            _updates.Writer.TryComplete();
        }
    }

    public void Fail(Exception error)
    {
        if (Ended) return;
        Ended = true;
        _error = error;
        _updates.Writer.TryComplete();
    }

    /// <summary>The next update, or null after the final one; throws the error that ended the request.</summary>
    public async ValueTask<GenerationUpdate?> ReadAsync(CancellationToken cancellationToken)
    {
        ChannelReader<GenerationUpdate> reader = _updates.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.TryRead(out GenerationUpdate? update)) return update;
        }
        if (Volatile.Read(ref _error) is { } error) throw error;
        return null;
    }
}
