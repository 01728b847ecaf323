namespace MemServe.Engine;

/// <summary>
/// One embedding job: one or more inputs (texts or token-id lists, exactly one of the two), each embedded
/// independently into one vector, and how the vectors are pooled and finished. Immutable; the engine validates
/// it up front and names the offending property in an <see cref="InvalidRequestException"/>.
/// </summary>
public sealed record EmbeddingRequest
{
    /// <summary>Most inputs one request may carry (as OpenAI's <c>/v1/embeddings</c>).</summary>
    public const int MaxInputs = 2048;

    /// <summary>Texts, tokenised by the engine's tokenizer. Set this or <see cref="TokenInputs"/>.</summary>
    public IReadOnlyList<string>? Inputs { get; init; }

    /// <summary>Token-id lists, used as given. Set this or <see cref="Inputs"/>.</summary>
    public IReadOnlyList<IReadOnlyList<int>>? TokenInputs { get; init; }

    /// <summary>How each vector is pooled; null (the default) uses the engine's
    /// <see cref="LlmEngineOptions.EmbeddingPooling"/> (itself <see cref="EmbeddingPooling.LastToken"/> by default).</summary>
    public EmbeddingPooling? Pooling { get; init; }

    /// <summary>Scale each vector to unit L2 norm (after truncation to <see cref="Dimensions"/>). Default true.</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Keep only the first this-many components (Matryoshka truncation, as Qwen3-Embedding supports), in
    /// [1, hidden size]; null (the default) keeps the whole hidden size.</summary>
    public int? Dimensions { get; init; }

    /// <summary>For text <see cref="Inputs"/>: let the tokenizer add its special tokens (e.g. BOS, or the EOS that
    /// Qwen3-Embedding's post-processor appends). Default true.</summary>
    public bool AddSpecialTokens { get; init; } = true;

    /// <summary>When the admission queue is full as the request arrives: wait for room (true, the default) or fail at
    /// once with <see cref="EngineOverloadedException"/> (false). Either way, once the first input is queued the others
    /// wait for room (a request may carry more inputs than the queue holds).</summary>
    public bool WaitForAdmission { get; init; } = true;

    /// <summary>A request for <paramref name="inputs"/> with default settings.</summary>
    public static EmbeddingRequest FromText(params string[] inputs) => new() { Inputs = inputs };

    /// <summary>A request for <paramref name="tokenInputs"/> with default settings.</summary>
    public static EmbeddingRequest FromTokens(params IReadOnlyList<int>[] tokenInputs) => new() { TokenInputs = tokenInputs };
}
