namespace MemServe.Engine;

/// <summary>
/// One streamed step of a request: the token just generated and the text that became final with it.
/// The last update of a request carries <see cref="FinishReason"/>, <see cref="Usage"/> and
/// <see cref="Timings"/>; earlier ones leave them null. Immutable.
/// </summary>
/// <param name="TokenId">The generated token.</param>
/// <param name="TextDelta">New output text (may be empty while text is held back, e.g. a possible
/// stop string or an incomplete UTF-8 character).</param>
public sealed record GenerationUpdate(int TokenId, string TextDelta)
{
    /// <summary>Set on the last update only.</summary>
    public FinishReason? FinishReason { get; init; }

    /// <summary>Set on the last update only.</summary>
    public GenerationUsage? Usage { get; init; }

    /// <summary>Set on the last update only.</summary>
    public GenerationTimings? Timings { get; init; }

    /// <summary>The generated token's log-probabilities when the request asked for them
    /// (<see cref="GenerationRequest.Logprobs"/>); null otherwise.</summary>
    public TokenLogprobs? Logprobs { get; init; }

    /// <summary>True on the last update of a request.</summary>
    public bool IsFinal => FinishReason is not null;
}
