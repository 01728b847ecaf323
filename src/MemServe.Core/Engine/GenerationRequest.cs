using MemServe.Constraints;
using MemServe.Sampling;

namespace MemServe.Engine;

/// <summary>
/// One generation job: a prompt (text or token ids, exactly one of the two) and how to continue it.
/// Immutable; the engine validates it up front and names the offending property in an
/// <see cref="InvalidRequestException"/>.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>Prompt text, tokenised by the engine's tokenizer. Set this or <see cref="PromptTokenIds"/>.</summary>
    public string? Prompt { get; init; }

    /// <summary>Prompt token ids, used as given. Set this or <see cref="Prompt"/>.</summary>
    public IReadOnlyList<int>? PromptTokenIds { get; init; }

    /// <summary>How tokens are chosen. Default: <see cref="SamplingParameters.Default"/>.</summary>
    public SamplingParameters Sampling { get; init; } = SamplingParameters.Default;

    /// <summary>Most tokens to generate (≥ 1). Generation also stops at the context limit. Default 256.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Token ids that end generation (finish reason Stop). The id is reported but its text is not
    /// part of the output. The model's EOS ids are added unless <see cref="IgnoreEos"/>.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Strings that end generation (finish reason Stop). Text that could still become a stop
    /// string is held back, and the stop string itself is not part of the output.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Grammar the output must follow (a JSON Schema, any JSON object, or a GBNF grammar), or null for
    /// free text. Before each token is sampled, every token the grammar does not allow next is masked out, and
    /// the stop tokens (EOS) are allowed only where the output is complete; when nothing may follow, the output
    /// ends with finish reason Stop. Stop strings and <see cref="MaxTokens"/> still apply and may end the output
    /// before the grammar is complete (finish reason Stop or Length tells which). The constraint is compiled
    /// once and may be shared by any number of requests.</summary>
    public OutputConstraint? Constraint { get; init; }

    /// <summary>Keep generating past the model's EOS tokens. Default false.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>For a text <see cref="Prompt"/>: let the tokenizer add its special tokens (e.g. BOS). Default true.</summary>
    public bool AddSpecialTokens { get; init; } = true;

    /// <summary>When the admission queue is full: wait for room (true, the default) or fail at once with
    /// <see cref="EngineOverloadedException"/> (false).</summary>
    public bool WaitForAdmission { get; init; } = true;

    /// <summary>Conversation (or user) the request belongs to, or null. An engine ignores it; a cluster's
    /// session-affinity routing keeps a session's requests on one instance.</summary>
    public string? SessionId { get; init; }

    /// <summary>Log-probabilities per generated token: null (the default) leaves them off; 0 to
    /// <see cref="MaxTopLogprobs"/> attaches <see cref="GenerationUpdate.Logprobs"/> to every update with that many
    /// most likely alternatives. Values are the model's raw distribution (see <see cref="TokenLogprobs"/>).</summary>
    public int? Logprobs { get; init; }

    /// <summary>Largest <see cref="Logprobs"/> accepted (20, as the OpenAI API allows).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>How many independent choices to generate for the prompt (1 to <see cref="MaxChoices"/>, default 1).
    /// The prompt is prefilled once and the choices share its KV blocks; each continues with its own random
    /// stream (with a <see cref="SamplingParameters.Seed"/>, choice i uses a seed derived from it and i), its own
    /// stop conditions and its own final update. Updates carry <see cref="GenerationUpdate.ChoiceIndex"/>; the
    /// stream ends after the last choice's final update.</summary>
    public int N { get; init; } = 1;

    /// <summary>Largest <see cref="N"/> accepted (128, as the OpenAI API allows).</summary>
    public const int MaxChoices = 128;

    /// <summary>A request for <paramref name="prompt"/> with default settings.</summary>
    public static GenerationRequest FromPrompt(string prompt) => new() { Prompt = prompt };

    /// <summary>A request for <paramref name="promptTokenIds"/> with default settings.</summary>
    public static GenerationRequest FromTokens(IReadOnlyList<int> promptTokenIds) => new() { PromptTokenIds = promptTokenIds };
}
