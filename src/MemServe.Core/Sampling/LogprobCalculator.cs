using System.Numerics.Tensors;
using MemServe.Engine;

namespace MemServe.Sampling;

/// <summary>
/// Computes <see cref="TokenLogprobs"/> from one row of raw logits: <c>log_softmax</c> over the whole row and
/// the k most likely tokens by a partial selection (one pass keeping a sorted list of k, no full sort). Holds
/// a vocab-sized scratch row so that the only allocation per call is the result itself; one instance serves
/// all requests of an engine, one at a time. The logits passed in are not modified. Not thread-safe.
/// </summary>
public sealed class LogprobCalculator
{
    private readonly float[] _shifted;                                    // (vocab) exp(logit - max)
    private readonly int[] _topIds = new int[GenerationRequest.MaxTopLogprobs];     // (k) best ids, best first
    private readonly float[] _topLogits = new float[GenerationRequest.MaxTopLogprobs]; // (k) their logits

    /// <summary>Creates a calculator for rows of <paramref name="vocabSize"/> logits.</summary>
    public LogprobCalculator(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        _shifted = new float[vocabSize];
    }

    /// <summary>
    /// The log-probability of <paramref name="token"/> and of the <paramref name="topCount"/> (0 to
    /// <see cref="GenerationRequest.MaxTopLogprobs"/>) most likely tokens under <c>softmax(logits)</c>; ties
    /// keep the lower id first and NaN logits are never among the top.
    /// </summary>
    public TokenLogprobs Compute(ReadOnlySpan<float> logits, int token, int topCount)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(logits.Length, _shifted.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)topCount, (uint)GenerationRequest.MaxTopLogprobs, nameof(topCount));
        float logZ = LogSumExp(logits);
        int found = SelectTop(logits, topCount);
        var top = new TopLogprob[found];
        for (int j = 0; j < found; j++) top[j] = new TopLogprob(_topIds[j], _topLogits[j] - logZ);
        return new TokenLogprobs(logits[token] - logZ, top);
    }

    // log Σ exp(logits), shifted by the largest logit so that no term overflows.
    private float LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = TensorPrimitives.Max(logits);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max)) return max;
        Span<float> x = _shifted;
        TensorPrimitives.Subtract(logits, max, x);
        TensorPrimitives.Exp(x, x);
        return max + MathF.Log(TensorPrimitives.Sum(x));
    }

    // Fills _topIds/_topLogits with the k largest logits, largest first; returns how many (k, or fewer when
    // the row is shorter). A value enters only when strictly above the current k-th, so earlier ids win ties.
    private int SelectTop(ReadOnlySpan<float> logits, int k)
    {
        if (k == 0) return 0;
        int count = 0;
        float floor = float.NegativeInfinity; // the k-th value once the list is full
        for (int i = 0; i < logits.Length; i++)
        {
            float v = logits[i];
            if (count == k ? !(v > floor) : float.IsNaN(v)) continue;
            int at = count == k ? k - 1 : count++;
            while (at > 0 && _topLogits[at - 1] < v)
            {
                _topLogits[at] = _topLogits[at - 1];
                _topIds[at] = _topIds[at - 1];
                at--;
            }
            _topLogits[at] = v;
            _topIds[at] = i;
            if (count == k) floor = _topLogits[k - 1];
        }
        return count;
    }
}
