using System.Diagnostics.CodeAnalysis;
using MemServe.Constraints;

namespace MemServe.Engine;

/// <summary>
/// Applies a sequence's <see cref="ConstraintMatcher"/> to its logits row right before sampling: every token the
/// grammar does not allow next becomes −∞, and the sequence's stop tokens (EOS included) keep their logits only
/// while the output so far is a complete sentence of the grammar. Engine thread only; allocates nothing.
/// </summary>
internal static class ConstrainedLogits
{
    private const int StackStopIds = 32;

    /// <summary>Masks <paramref name="logits"/> in place for <paramref name="sequence"/>.</summary>
    /// <exception cref="InvalidRequestException">No token can continue the output and the grammar cannot end here
    /// (the grammar needs bytes no token of this vocabulary spells).</exception>
    public static void Apply(Sequence sequence, ConstraintMatcher matcher, Span<float> logits)
    {
        int[] stopIds = sequence.StopTokenIds;
        bool canEnd = matcher.CanEnd && stopIds.Length > 0;
        Span<float> saved = stopIds.Length <= StackStopIds ? stackalloc float[StackStopIds] : new float[stopIds.Length];
        if (canEnd)
        {
            for (int i = 0; i < stopIds.Length; i++) saved[i] = logits[stopIds[i]];
        }
        matcher.MaskLogits(logits);
        if (canEnd)
        {
            for (int i = 0; i < stopIds.Length; i++) logits[stopIds[i]] = saved[i];
        }
        // The mask itself says whether anything survives (no pass over the logits): some token, or a restored stop token.
        if (!canEnd && !matcher.AnyTokenAllowed) ThrowDeadEnd(sequence, matcher);
    }

    [DoesNotReturn]
    private static void ThrowDeadEnd(Sequence sequence, ConstraintMatcher matcher) =>
        throw new InvalidRequestException(matcher.CanEnd
            ? $"Request {sequence.Id}: the output is complete under its {matcher.Constraint.Description} constraint, but the request has no stop token to end it (IgnoreEos with no StopTokenIds)."
            : $"Request {sequence.Id}: no token of the vocabulary can continue the output under its {matcher.Constraint.Description} constraint after {sequence.OutputTokens} tokens.");
}
