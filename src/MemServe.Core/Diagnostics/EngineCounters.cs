namespace MemServe.Diagnostics;

/// <summary>
/// Running totals of one engine. The engine thread increments; any thread reads. Thread-safe.
/// </summary>
internal sealed class EngineCounters
{
    private long _promptTokens;
    private long _generatedTokens;
    private long _preemptions;
    private long _completed;
    private long _failed;
    private long _cancelled;

    public EngineCounters(TimeProvider time) => Throughput = new ThroughputMeter(time);

    /// <summary>Recent rates.</summary>
    public ThroughputMeter Throughput { get; }

    public long PromptTokens => Interlocked.Read(ref _promptTokens);
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);
    public long Preemptions => Interlocked.Read(ref _preemptions);
    public long Completed => Interlocked.Read(ref _completed);
    public long Failed => Interlocked.Read(ref _failed);
    public long Cancelled => Interlocked.Read(ref _cancelled);

    public void OnAdmitted(int promptTokens) => Interlocked.Add(ref _promptTokens, promptTokens);
    public void OnPreempted() => Interlocked.Increment(ref _preemptions);
    public void OnCompleted() => Interlocked.Increment(ref _completed);
    public void OnFailed() => Interlocked.Increment(ref _failed);
    public void OnCancelled() => Interlocked.Increment(ref _cancelled);

    /// <summary>Counts one step's work.</summary>
    public void OnStep(long timestamp, int processedTokens, int generatedTokens)
    {
        Interlocked.Add(ref _generatedTokens, generatedTokens);
        Throughput.Record(timestamp, processedTokens, generatedTokens);
    }
}
