namespace MemServe.Engine;

/// <summary>
/// Where a prefill-only request delivers its result: the engine thread completes it with the first sampled
/// token and a <see cref="KvHold"/> on the prompt's blocks, or fails it. Any thread awaits it.
/// </summary>
internal sealed class PrefillHandoff
{
    private readonly TaskCompletionSource<PrefillOutput> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the prefill has run (or failed).</summary>
    public Task<PrefillOutput> Task => _done.Task;

    /// <summary>Delivers the result; false (and the caller must release the hold) when the task already ended.</summary>
    public bool Complete(PrefillOutput output) => _done.TrySetResult(output);

    /// <summary>When set, the step that completes the prompt runs in layer groups and streams each group's KV.</summary>
    public LayerStream? Stream { get; init; }

    /// <summary>Fails the request (and its stream).</summary>
    public void Fail(Exception error)
    {
        Stream?.Fail(error);
        _done.TrySetException(error);
    }
}

/// <summary>What a prefill-only request produced on one engine.</summary>
/// <param name="FirstToken">The token sampled from the prompt's last position.</param>
/// <param name="CachedPromptTokens">Prompt tokens this engine reused from its prefix cache.</param>
/// <param name="Kv">The prompt's blocks (the last may be partial), held until released.</param>
/// <param name="GeneratorState">The request's random generator after sampling the first token.</param>
/// <param name="PrefillTime">From admission to the first token.</param>
/// <param name="FirstLogprobs">The first token's logprobs when the request asks for them, else null.</param>
internal sealed record PrefillOutput(int FirstToken, int CachedPromptTokens, KvHold Kv, ulong[] GeneratorState, TimeSpan PrefillTime,
    TokenLogprobs? FirstLogprobs = null);
