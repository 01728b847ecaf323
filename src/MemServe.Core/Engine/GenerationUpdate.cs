namespace MemServe.Engine;

/// <summary>
/// One streamed step of a request: the token just generated and the text that became final with it.
/// The last update of a request (of each choice, with <see cref="GenerationRequest.N"/> &gt; 1) carries
/// <see cref="FinishReason"/>, <see cref="Usage"/> and <see cref="Timings"/>; earlier ones leave them null. Immutable.
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

    /// <summary>Which choice of a <see cref="GenerationRequest.N"/> &gt; 1 request this update belongs to (0 to N - 1);
    /// always 0 otherwise. Each choice has its own final update.</summary>
    public int ChoiceIndex { get; init; }

    /// <summary>The generated token's log-probabilities when the request asked for them
    /// (<see cref="GenerationRequest.Logprobs"/>); null otherwise.</summary>
    public TokenLogprobs? Logprobs { get; init; }

    /// <summary>True on the last update of a request (of its choice, with several choices).</summary>
    public bool IsFinal => FinishReason is not null;
}
