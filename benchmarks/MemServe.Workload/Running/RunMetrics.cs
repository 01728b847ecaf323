namespace MemServe.Workload.Running;

/// <summary>
/// The metrics of one run, as tables and JSON report them. Immutable.
/// </summary>
/// <param name="Requests">Requests that completed.</param>
/// <param name="FailedRequests">Requests that threw.</param>
/// <param name="SkippedTurns">Turns skipped because they would not fit the context.</param>
/// <param name="TimedOut">The run hit its time limit.</param>
/// <param name="MakespanSeconds">First arrival to last completion.</param>
/// <param name="CompletionTime">JCT: submission to last token.</param>
/// <param name="TimeToFirstToken">TTFT: submission to first token.</param>
/// <param name="TimePerOutputToken">TPOT: (JCT − TTFT) / (output tokens − 1), over requests with two or more output tokens.</param>
/// <param name="RequestsPerSecond">Completed requests / makespan.</param>
/// <param name="OutputTokensPerSecond">Generated tokens / makespan.</param>
/// <param name="PromptTokens">Prompt tokens sent.</param>
/// <param name="CachedPromptTokens">Prompt tokens served from a prefix cache.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="DecodeKeptTokens">Prompt tokens decode instances already held instead of receiving (PD-Caching-2/3).</param>
internal sealed record RunMetrics(
    int Requests,
    int FailedRequests,
    int SkippedTurns,
    bool TimedOut,
    double MakespanSeconds,
    LatencySummary CompletionTime,
    LatencySummary TimeToFirstToken,
    LatencySummary TimePerOutputToken,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    long PromptTokens,
    long CachedPromptTokens,
    long OutputTokens,
    long DecodeKeptTokens)
{
    /// <summary>Prefix-cache hit rate: cached prompt tokens / prompt tokens.</summary>
    public double HitRate => PromptTokens == 0 ? 0 : (double)CachedPromptTokens / PromptTokens;

    /// <summary>Computes the metrics of <paramref name="result"/>.</summary>
    public static RunMetrics From(RunResult result)
    {
        var jct = new List<TimeSpan>(result.Records.Count);
        var ttft = new List<TimeSpan>(result.Records.Count);
        var tpot = new List<TimeSpan>(result.Records.Count);
        long prompt = 0, cached = 0, output = 0, kept = 0;
        foreach (RequestRecord record in result.Records)
        {
            jct.Add(record.CompletionTime);
            ttft.Add(record.TimeToFirstToken);
            if (record.TimePerOutputToken is { } perToken) tpot.Add(perToken);
            prompt += record.PromptTokens;
            cached += record.CachedPromptTokens;
            output += record.OutputTokens;
            kept += record.DecodeKeptTokens;
        }
        double seconds = Math.Max(result.Makespan.TotalSeconds, 1e-9);
        return new RunMetrics(result.Records.Count, result.FailedRequests, result.SkippedTurns, result.TimedOut,
            result.Makespan.TotalSeconds, LatencySummary.Of(jct), LatencySummary.Of(ttft), LatencySummary.Of(tpot),
            result.Records.Count / seconds, output / seconds, prompt, cached, output, kept);
    }
}
