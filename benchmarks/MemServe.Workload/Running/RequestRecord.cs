namespace MemServe.Workload.Running;

/// <summary>
/// What happened to one request, measured by the harness on the caller's side (the same clock for a single
/// engine and a cluster). Immutable.
/// </summary>
/// <param name="SessionId">The session the request belongs to.</param>
/// <param name="Turn">Its index within the session (0-based).</param>
/// <param name="SubmittedAt">When it was submitted, from the start of the run.</param>
/// <param name="PromptTokens">Prompt tokens sent.</param>
/// <param name="CachedPromptTokens">Prompt tokens the engine reported as served from its prefix cache.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="TimeToFirstToken">From submission until the first update arrived.</param>
/// <param name="CompletionTime">From submission until the final update arrived (JCT).</param>
/// <param name="EngineQueueTime">Queue time the engine reported.</param>
/// <param name="DecodeKeptTokens">In a prefill/decode cluster: prompt tokens the decode instance already held and so
/// did not receive (PD-Caching-2/3); 0 elsewhere.</param>
internal sealed record RequestRecord(
    string SessionId,
    int Turn,
    TimeSpan SubmittedAt,
    int PromptTokens,
    int CachedPromptTokens,
    int OutputTokens,
    TimeSpan TimeToFirstToken,
    TimeSpan CompletionTime,
    TimeSpan EngineQueueTime,
    int DecodeKeptTokens = 0)
{
    /// <summary>Time per output token after the first: (JCT − TTFT) / (output − 1); null for a one-token output.</summary>
    public TimeSpan? TimePerOutputToken =>
        OutputTokens > 1 ? (CompletionTime - TimeToFirstToken) / (OutputTokens - 1) : null;
}
