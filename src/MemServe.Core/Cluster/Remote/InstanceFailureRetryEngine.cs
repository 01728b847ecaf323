using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Sampling;
using MemServe.Tokenization;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Wraps an engine that routes over instances (a cluster of remote instances) so that a request whose instance
/// fails (<see cref="RemoteInstanceException"/>: killed, unreachable, lost) runs again, up to
/// <see cref="MaxAttempts"/> times in all. The failed instance's connection is closed, so it counts as unhealthy
/// and the inner engine's router sends the retry elsewhere.
/// </summary>
/// <remarks>
/// A retry replays the request from the start and hides the updates the caller already has: it checks that the
/// replay produces the same token ids and skips them, so the caller sees each token exactly once. Replays are
/// deterministic for greedy requests and for seeded ones; an unseeded sampled request is given a random seed
/// before its first attempt for that reason. A replay that diverges (possible if floating-point results differ
/// between instances with different batch shapes) fails with <see cref="MemServeException"/>. Other errors
/// (invalid request, overloaded) are never retried. Thread-safe as the inner engine; owns it.
/// </remarks>
public sealed class InstanceFailureRetryEngine : ILlmEngine
{
    private readonly ILlmEngine _inner;

    /// <summary>Wraps <paramref name="inner"/> (owned from here on).</summary>
    public InstanceFailureRetryEngine(ILlmEngine inner, int maxAttempts = 3)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        MaxAttempts = maxAttempts;
    }

    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; }

    /// <summary>The wrapped engine.</summary>
    public ILlmEngine Inner => _inner;

    /// <inheritdoc />
    public ModelInfo ModelInfo => _inner.ModelInfo;

    /// <inheritdoc />
    public ITokenizer Tokenizer => _inner.Tokenizer;

    /// <inheritdoc />
    public EngineStats GetStats() => _inner.GetStats();

    /// <inheritdoc />
    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Sampling.IsGreedy && request.Sampling.Seed is null)
            request = request with { Sampling = request.Sampling with { Seed = Random.Shared.NextInt64() } };
        return RetryingAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        GenerationCollector.CollectAsync(GenerateAsync(request, cancellationToken), cancellationToken,
            static () => new MemServeException("The request ended without a final update."));

    /// <inheritdoc />
    /// <remarks>An embedding has no partial output, so a failed instance's attempt is simply run again.</remarks>
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await _inner.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (RemoteInstanceException) when (attempt < MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                // run it again
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private async IAsyncEnumerable<GenerationUpdate> RetryingAsync(GenerationRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Per choice: the tokens the caller has seen, and how many of them a rerun has replayed.
        var delivered = new List<int>[request.N];
        for (int c = 0; c < delivered.Length; c++) delivered[c] = [];
        var replayedOf = new int[request.N];
        for (int attempt = 1; ; attempt++)
        {
            IAsyncEnumerator<GenerationUpdate> updates = _inner.GenerateAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
            Array.Clear(replayedOf);
            try
            {
                while (true)
                {
                    GenerationUpdate? next;
                    try
                    {
                        next = await updates.MoveNextAsync().ConfigureAwait(false) ? updates.Current : null;
                    }
                    catch (RemoteInstanceException) when (attempt < MaxAttempts && !cancellationToken.IsCancellationRequested)
                    {
                        break; // run it again
                    }
                    if (next is null) yield break;
                    List<int> seen = delivered[next.ChoiceIndex];
                    ref int replayed = ref replayedOf[next.ChoiceIndex];
                    if (replayed < seen.Count)
                    {
                        if (next.TokenId != seen[replayed]) throw Diverged(replayed, seen[replayed], next.TokenId);
                        replayed++;
                        continue;
                    }
                    seen.Add(next.TokenId);
                    replayed++;
                    yield return next;
                }
            }
            finally
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static MemServeException Diverged(int position, int expected, int actual) =>
        new($"A request retried after its instance failed diverged at output token {position} " +
            $"(token {actual} instead of {expected}); it cannot be continued without repeating output.");
}
