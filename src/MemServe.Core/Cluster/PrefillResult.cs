namespace MemServe.Cluster;

/// <summary>
/// What a prefill instance produced: the first output token and the prompt's KV, held on the prefill instance
/// until this result (or <see cref="Kv"/>) is disposed. Dispose it once the decode side has the KV.
/// </summary>
public sealed class PrefillResult : IAsyncDisposable
{
    /// <summary>Creates a result that owns <paramref name="kv"/>.</summary>
    public PrefillResult(int firstToken, int promptTokens, int cachedPromptTokens, IKvSource kv,
        ReadOnlyMemory<ulong> generatorState, TimeSpan prefillTime)
    {
        FirstToken = firstToken;
        PromptTokens = promptTokens;
        CachedPromptTokens = cachedPromptTokens;
        Kv = kv ?? throw new ArgumentNullException(nameof(kv));
        GeneratorState = generatorState;
        PrefillTime = prefillTime;
    }

    /// <summary>The token sampled from the prompt's last position.</summary>
    public int FirstToken { get; }

    /// <summary>Prompt length.</summary>
    public int PromptTokens { get; }

    /// <summary>Prompt tokens the prefill instance reused from its cache.</summary>
    public int CachedPromptTokens { get; }

    /// <summary>The prompt's KV (every block, the last possibly partial).</summary>
    public IKvSource Kv { get; }

    /// <summary>The request's generator state after sampling <see cref="FirstToken"/>.</summary>
    public ReadOnlyMemory<ulong> GeneratorState { get; }

    /// <summary>The first token's logprobs when the request asks for them (<see cref="Engine.GenerationRequest.Logprobs"/>),
    /// else null; the decode side reports them with the first update.</summary>
    public Engine.TokenLogprobs? FirstLogprobs { get; init; }

    /// <summary>Measured time from admission to the first token (calibrates the cost model).</summary>
    public TimeSpan PrefillTime { get; }

    /// <summary>Releases the held KV.</summary>
    public ValueTask DisposeAsync() => Kv.DisposeAsync();
}
