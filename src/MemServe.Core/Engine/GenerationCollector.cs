using System.Text;

namespace MemServe.Engine;

/// <summary>
/// Builds a <see cref="GenerationResult"/> from a stream of updates: the non-streaming convenience every
/// <see cref="ILlmEngine"/> offers, for implementations and decorators of that interface. Stateless.
/// </summary>
public static class GenerationCollector
{
    /// <summary>
    /// Reads <paramref name="updates"/> to the end and returns the collected token ids, text, and the final
    /// update's finish reason, usage and timings. A stream that ends without a final update throws the exception
    /// <paramref name="missingFinal"/> makes (by default an <see cref="InvalidOperationException"/>).
    /// </summary>
    public static async Task<GenerationResult> CollectAsync(IAsyncEnumerable<GenerationUpdate> updates,
        CancellationToken cancellationToken, Func<Exception>? missingFinal = null)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var tokenIds = new List<int>();
        var text = new StringBuilder();
        GenerationUpdate? last = null;
        await foreach (GenerationUpdate update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (update.ChoiceIndex != 0)
                throw new InvalidRequestException("CompleteAsync collects one choice; read a request with N > 1 through GenerateAsync.");
            tokenIds.Add(update.TokenId);
            text.Append(update.TextDelta);
            last = update;
        }
        if (last is not { FinishReason: { } reason, Usage: { } usage, Timings: { } timings })
            throw missingFinal?.Invoke() ?? new InvalidOperationException("The request ended without a final update.");
        return new GenerationResult(tokenIds, text.ToString(), reason, usage, timings);
    }
}
