using System.Threading.Channels;

namespace MemServe.Engine;

/// <summary>
/// The bounded channel through which callers hand requests to the engine thread. When it is full a
/// caller either waits for room (back-pressure) or is rejected with <see cref="EngineOverloadedException"/>.
/// Closing it at dispose makes every later admission fail with <see cref="ObjectDisposedException"/>.
/// Writers: any thread; the reader: the engine thread only.
/// </summary>
internal sealed class AdmissionQueue
{
    private readonly Channel<Sequence> _channel;
    private volatile bool _closed;

    public AdmissionQueue(int capacity)
    {
        Capacity = capacity;
        _channel = Channel.CreateBounded<Sequence>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Most requests the queue holds.</summary>
    public int Capacity { get; }

    /// <summary>Requests queued now (a snapshot).</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>The engine thread's end.</summary>
    public ChannelReader<Sequence> Reader => _channel.Reader;

    /// <summary>Queues <paramref name="sequence"/>, waiting for room when <paramref name="waitForAdmission"/>,
    /// otherwise failing at once when the queue is full.</summary>
    /// <exception cref="EngineOverloadedException">Full, and the request does not wait.</exception>
    /// <exception cref="ObjectDisposedException">The engine was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    public async ValueTask AdmitAsync(Sequence sequence, bool waitForAdmission, CancellationToken cancellationToken)
    {
        if (!waitForAdmission)
        {
            if (_channel.Writer.TryWrite(sequence)) return;
            if (_closed) ThrowDisposed();
            throw new EngineOverloadedException(
                $"The admission queue is full ({Capacity} requests, LlmEngineOptions.AdmissionQueueCapacity) " +
                "and the request set WaitForAdmission = false.");
        }
        try
        {
            await _channel.Writer.WriteAsync(sequence, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ThrowDisposed();
        }
    }

    /// <summary>Refuses every later admission; what is queued stays for the engine thread to end.</summary>
    public void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
    }

    private static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(LlmEngine), "The engine was disposed before the request was admitted.");
}
