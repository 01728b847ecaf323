namespace MemServe.Engine;

/// <summary>The whole output of a request, as <see cref="ILlmEngine.CompleteAsync"/> returns it. Immutable.</summary>
/// <param name="TokenIds">Every generated token, a final stop token included.</param>
/// <param name="Text">The output text (stop strings and stop tokens excluded).</param>
/// <param name="FinishReason">Why generation ended.</param>
/// <param name="Usage">Token counts.</param>
/// <param name="Timings">Queue time, time to first token, total.</param>
public sealed record GenerationResult(
    IReadOnlyList<int> TokenIds, string Text, FinishReason FinishReason, GenerationUsage Usage, GenerationTimings Timings);
