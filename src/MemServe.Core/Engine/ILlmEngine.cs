using MemServe.Tokenization;

namespace MemServe.Engine;

/// <summary>
/// An inference engine for one model. Thread-safe: any number of callers may generate at once; their
/// requests are batched together on the engine's own thread.
/// </summary>
public interface ILlmEngine : IAsyncDisposable
{
    /// <summary>What the engine serves.</summary>
    ModelInfo ModelInfo { get; }

    /// <summary>The tokenizer the engine encodes prompts and decodes output with.</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>
    /// Streams the output of <paramref name="request"/>, one update per generated token; the last update
    /// carries the finish reason, usage and timings. The request is validated when this method is called
    /// (<see cref="InvalidRequestException"/>, or <see cref="MemoryBudgetExceededException"/> when it could
    /// not fit the KV cache even alone) and queued when enumeration starts. Cancelling
    /// <paramref name="cancellationToken"/> or disposing the enumerator early ends the request and frees
    /// its KV blocks within one engine step.
    /// </summary>
    IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="request"/> to the end and returns its whole output (built on
    /// <see cref="GenerateAsync"/>, with the same errors).</summary>
    Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Embeds every input of <paramref name="request"/> into one vector each, pooled from the model's final hidden
    /// states (after its final RMSNorm; see <see cref="EmbeddingPooling"/>), batched with the engine's other work.
    /// Validated when called (<see cref="InvalidRequestException"/> naming the field, or
    /// <see cref="MemoryBudgetExceededException"/> for an input that could not fit the KV cache even alone).
    /// Cancelling <paramref name="cancellationToken"/> ends every input and frees its KV blocks within one engine
    /// step. The default implementation throws <see cref="NotSupportedException"/> (an engine that cannot embed).
    /// </summary>
    Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not implement ILlmEngine.EmbedAsync.");

    /// <summary>A snapshot of the engine's counters.</summary>
    EngineStats GetStats();
}
