namespace MemServe.Diagnostics;

/// <summary>
/// Tokens per second over a sliding window of recent steps (the last <see cref="Capacity"/> steps that
/// fall within <see cref="Window"/>). Recording is allocation-free. Thread-safe.
/// </summary>
internal sealed class ThroughputMeter
{
    private const int Capacity = 256;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly long[] _timestamps = new long[Capacity]; // (step) TimeProvider timestamps
    private readonly int[] _processed = new int[Capacity];    // (step) tokens run through the model
    private readonly int[] _generated = new int[Capacity];    // (step) tokens sampled
    private int _next;
    private int _count;

    public ThroughputMeter(TimeProvider time) => _time = time;

    /// <summary>Records one step that ended at <paramref name="timestamp"/>.</summary>
    public void Record(long timestamp, int processedTokens, int generatedTokens)
    {
        lock (_lock)
        {
            _timestamps[_next] = timestamp;
            _processed[_next] = processedTokens;
            _generated[_next] = generatedTokens;
            _next = (_next + 1) % Capacity;
            if (_count < Capacity) _count++;
        }
    }

    /// <summary>(processed, generated) tokens per second over the window ending now.</summary>
    public (double Processed, double Generated) Rates()
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            long processed = 0, generated = 0;
            long oldest = now;
            for (int i = 0; i < _count; i++)
            {
                int slot = (_next - 1 - i + Capacity) % Capacity;
                if (_time.GetElapsedTime(_timestamps[slot], now) > Window) break;
                processed += _processed[slot];
                generated += _generated[slot];
                oldest = _timestamps[slot];
            }
            double seconds = Math.Max(_time.GetElapsedTime(oldest, now).TotalSeconds, 1e-3);
            return processed == 0 ? (0, 0) : (processed / seconds, generated / seconds);
        }
    }
}
