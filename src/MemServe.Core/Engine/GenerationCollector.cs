using System.Text;

namespace MemServe.Engine;

/// <summary>Builds a <see cref="GenerationResult"/> from a stream of updates (the non-streaming convenience every
/// <see cref="ILlmEngine"/> offers). Stateless.</summary>
internal static class GenerationCollector
{
    public static async Task<GenerationResult> CollectAsync(IAsyncEnumerable<GenerationUpdate> updates, CancellationToken cancellationToken)
    {
        var tokenIds = new List<int>();
        var text = new StringBuilder();
        GenerationUpdate? last = null;
        await foreach (GenerationUpdate update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            tokenIds.Add(update.TokenId);
            text.Append(update.TextDelta);
            last = update;
        }
        if (last is not { FinishReason: { } reason, Usage: { } usage, Timings: { } timings })
            throw new InvalidOperationException("The request ended without a final update.");
        return new GenerationResult(tokenIds, text.ToString(), reason, usage, timings);
    }
}
