namespace MemServe.Workload.Running;

/// <summary>The raw outcome of one workload run against one engine setup. Immutable.</summary>
/// <param name="Records">Every request that completed, in completion order.</param>
/// <param name="Makespan">From the start of the run until the last request finished.</param>
/// <param name="FailedRequests">Requests that threw (their session stopped there).</param>
/// <param name="SkippedTurns">Turns not sent because history plus output would pass the context.</param>
/// <param name="TimedOut">True when the run hit its time limit before every session finished.</param>
internal sealed record RunResult(IReadOnlyList<RequestRecord> Records, TimeSpan Makespan, int FailedRequests, int SkippedTurns, bool TimedOut);
