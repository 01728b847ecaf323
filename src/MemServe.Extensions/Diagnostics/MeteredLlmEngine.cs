using System.Diagnostics;
using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Tokenization;

namespace MemServe.Extensions;

/// <summary>
/// The engine as the container hands it out: forwards every call to the inner engine and records each
/// request's duration, time to first token, time per output token and token counts in
/// <see cref="MemServeMetrics"/>. Owns the inner engine (disposing this disposes it). Thread-safe.
/// </summary>
internal sealed class MeteredLlmEngine : ILlmEngine
{
    private readonly ILlmEngine _inner;
    private readonly MemServeMetrics _metrics;

    public MeteredLlmEngine(ILlmEngine inner, MemServeMetrics metrics)
    {
        _inner = inner;
        _metrics = metrics;
    }

    /// <summary>The engine doing the work.</summary>
    public ILlmEngine Inner => _inner;

    public ModelInfo ModelInfo => _inner.ModelInfo;

    public ITokenizer Tokenizer => _inner.Tokenizer;

    public EngineStats GetStats() => _inner.GetStats();

    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        GenerateAsync(request, MemServeMetricNames.TextCompletionOperation, cancellationToken);

    /// <summary>As <see cref="GenerateAsync(GenerationRequest, CancellationToken)"/>, with the
    /// <c>gen_ai.operation.name</c> the request's metrics carry.</summary>
    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, string operation, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        IAsyncEnumerable<GenerationUpdate> updates;
        try
        {
            updates = _inner.GenerateAsync(request, cancellationToken);
        }
        catch (Exception ex)
        {
            _metrics.RecordFailed(operation, ModelInfo.Name, Stopwatch.GetElapsedTime(start), ex);
            throw;
        }
        return ObserveAsync(updates, operation, start, request.N, cancellationToken);
    }

    /// <summary>Embeds through the inner engine, recording the request's duration and input tokens (operation
    /// <see cref="MemServeMetricNames.EmbeddingsOperation"/>), or its failure.</summary>
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            EmbeddingResult result = await _inner.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
            _metrics.RecordEmbedded(ModelInfo.Name, result.PromptTokens, Stopwatch.GetElapsedTime(start));
            return result;
        }
        catch (Exception ex)
        {
            _metrics.RecordFailed(MemServeMetricNames.EmbeddingsOperation, ModelInfo.Name, Stopwatch.GetElapsedTime(start), ex);
            throw;
        }
    }

    public Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        GenerationCollector.CollectAsync(GenerateAsync(request, cancellationToken), cancellationToken);

    /// <summary>Stops the instruments observing the engine, then disposes it. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        _metrics.Unregister(this);
        return _inner.DisposeAsync();
    }

    // A request with several choices is recorded once, when its last choice ends, with all choices' output tokens.
    private async IAsyncEnumerable<GenerationUpdate> ObserveAsync(IAsyncEnumerable<GenerationUpdate> updates, string operation, long start,
        int choices, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncEnumerator<GenerationUpdate> enumerator = updates.GetAsyncEnumerator(cancellationToken);
        bool finished = false;
        int outputTokens = 0;
        try
        {
            while (true)
            {
                GenerationUpdate update;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) break;
                    update = enumerator.Current;
                }
                catch (Exception ex)
                {
                    finished = true;
                    _metrics.RecordFailed(operation, ModelInfo.Name, Stopwatch.GetElapsedTime(start), ex);
                    throw;
                }
                if (update is { Usage: { } usage, Timings: { } timings })
                {
                    outputTokens += usage.OutputTokens;
                    if (--choices == 0)
                    {
                        finished = true;
                        _metrics.RecordCompleted(operation, ModelInfo.Name, usage with { OutputTokens = outputTokens }, timings);
                    }
                }
                yield return update;
            }
        }
        finally
        {
            if (!finished) _metrics.RecordFailed(operation, ModelInfo.Name, Stopwatch.GetElapsedTime(start), new OperationCanceledException());
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Calls <paramref name="engine"/> with the operation name when it records metrics.</summary>
    public static IAsyncEnumerable<GenerationUpdate> Generate(ILlmEngine engine, GenerationRequest request, string operation,
        CancellationToken cancellationToken) =>
        engine is MeteredLlmEngine metered
            ? metered.GenerateAsync(request, operation, cancellationToken)
            : engine.GenerateAsync(request, cancellationToken);
}
