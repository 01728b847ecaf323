namespace MemServe.Workload.Running;

/// <summary>The raw outcome of one workload run against one engine setup. Immutable.</summary>
/// <param name="Records">Every request that completed, in completion order.</param>
/// <param name="Makespan">From the start of the run until the last request finished.</param>
/// <param name="FailedRequests">Requests that threw (their session stopped there).</param>
/// <param name="SkippedTurns">Turns not sent because history plus output would pass the context.</param>
/// <param name="TimedOut">True when the run hit its time limit before every session finished.</param>
internal sealed record RunResult(IReadOnlyList<RequestRecord> Records, TimeSpan Makespan, int FailedRequests, int SkippedTurns, bool TimedOut)
{
    /// <summary>Several runs of one cell as one: records concatenated, makespans and counts added, timed out if
    /// any was. Latency percentiles of the pool are over all its requests; throughput is over the summed makespans.</summary>
    public static RunResult Pool(IReadOnlyList<RunResult> runs)
    {
        if (runs.Count == 1) return runs[0];
        var records = new List<RequestRecord>();
        TimeSpan makespan = TimeSpan.Zero;
        int failed = 0, skipped = 0;
        bool timedOut = false;
        foreach (RunResult run in runs)
        {
            records.AddRange(run.Records);
            makespan += run.Makespan;
            failed += run.FailedRequests;
            skipped += run.SkippedTurns;
            timedOut |= run.TimedOut;
        }
        return new RunResult(records, makespan, failed, skipped, timedOut);
    }
}
