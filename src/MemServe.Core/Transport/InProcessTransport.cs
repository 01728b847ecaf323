using System.Threading.Channels;

namespace MemServe.Transport;

/// <summary>
/// Two <see cref="IKvTransport"/> ends joined by a pair of bounded channels, for instances in one process.
/// A send copies the payload once into a pooled buffer (the only copy: the receiver gets that buffer)
/// and waits while <see cref="InProcessTransportOptions.CapacityFrames"/> frames are queued. No checksum
/// is computed: the bytes never leave process memory. Disposing one end fails the other end's sends and,
/// after it has drained what was already queued, its receives, with <see cref="TransportErrorKind.PeerGone"/>.
/// </summary>
internal sealed class InProcessTransport : IKvTransport
{
    private readonly Direction _outgoing;
    private readonly Direction _incoming;
    private readonly int _maxPayloadBytes;
    private volatile bool _disposed;

    private InProcessTransport(Direction outgoing, Direction incoming, int maxPayloadBytes, string peerName)
    {
        _outgoing = outgoing;
        _incoming = incoming;
        _maxPayloadBytes = maxPayloadBytes;
        PeerName = peerName;
    }

    public string PeerName { get; }

    public bool IsConnected => !_disposed && !_outgoing.Closed;

    public long PendingSendBytes => Interlocked.Read(ref _outgoing.PendingBytes);

    /// <summary>Creates the two ends.</summary>
    public static (IKvTransport First, IKvTransport Second) CreatePair(InProcessTransportOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CapacityFrames, 1);
        var ab = new Direction(options.CapacityFrames);
        var ba = new Direction(options.CapacityFrames);
        return (new InProcessTransport(ab, ba, options.MaxPayloadBytes, "in-process peer (second)"),
                new InProcessTransport(ba, ab, options.MaxPayloadBytes, "in-process peer (first)"));
    }

    public async ValueTask SendAsync<TPayload>(FrameHeader header, TPayload payload, CancellationToken cancellationToken = default)
        where TPayload : IFramePayload
    {
        if (_disposed) TransportThrowHelper.ThrowPeerGone(PeerName);
        int length = payload.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _maxPayloadBytes);
        ChannelWriter<TransportFrame> writer = _outgoing.Channel.Writer;
        TransportFrame frame = default;
        bool copied = false;
        try
        {
            // Copy only once there is room, so a sender that waits holds no copy of its payload.
            while (await writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!copied)
                {
                    byte[]? rented = TransportFrame.Rent(length);
                    if (rented is not null) payload.CopyTo(0, rented.AsSpan(0, length));
                    frame = new TransportFrame(header, rented, length);
                    copied = true;
                }
                Interlocked.Add(ref _outgoing.PendingBytes, length);
                if (writer.TryWrite(frame)) return;
                Interlocked.Add(ref _outgoing.PendingBytes, -length);
            }
        }
        catch (OperationCanceledException)
        {
            if (copied) frame.Dispose();
            throw;
        }
        if (copied) frame.Dispose();
        TransportThrowHelper.ThrowPeerGone(PeerName);
    }

    public async ValueTask<TransportFrame> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed) TransportThrowHelper.ThrowPeerGone(PeerName);
        ChannelReader<TransportFrame> reader = _incoming.Channel.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.TryRead(out TransportFrame frame))
            {
                Interlocked.Add(ref _incoming.PendingBytes, -frame.Length);
                return frame;
            }
        }
        TransportThrowHelper.ThrowPeerGone(PeerName);
        return default; // unreachable
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed) return ValueTask.CompletedTask;
        _disposed = true;
        _outgoing.Close();
        _incoming.Close();
        while (_incoming.Channel.Reader.TryRead(out TransportFrame frame)) frame.Dispose(); // nobody will read them
        return ValueTask.CompletedTask;
    }

    /// <summary>One direction: the bounded channel and the bytes queued in it.</summary>
    private sealed class Direction(int capacity)
    {
        public readonly Channel<TransportFrame> Channel = System.Threading.Channels.Channel.CreateBounded<TransportFrame>(
            new BoundedChannelOptions(capacity) { SingleReader = false, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

        public long PendingBytes;

        public bool Closed { get; private set; }

        public void Close()
        {
            Closed = true;
            Channel.Writer.TryComplete();
        }
    }
}
