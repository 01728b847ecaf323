using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MemServe.Compute;

namespace MemServe.Sampling;

/// <summary>
/// Picks the next token from one row of logits according to <see cref="SamplingParameters"/>. Holds
/// vocab-sized scratch buffers so that sampling allocates nothing; one instance serves all requests of
/// an engine, one at a time. The logits passed in are not modified. Not thread-safe.
/// </summary>
public sealed class Sampler
{
    // Tokens below this share of the top token's probability are left out of the first, cheap try at
    // top-k/top-p; the full candidate set is used when that try cannot decide exactly.
    private const float PreselectShare = 1e-4f;

    private readonly float[] _work;    // (vocab) penalised logits, then unnormalised probabilities
    private readonly float[] _keys;    // (vocab) negated probabilities of candidates, sorted ascending
    private readonly int[] _ids;       // (vocab) candidate token ids, in _keys order
    private readonly int[] _scratch;   // (vocab) all zeros between calls; see LogitPenalties

    /// <summary>Creates a sampler for rows of <paramref name="vocabSize"/> logits.</summary>
    public Sampler(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        VocabSize = vocabSize;
        _work = new float[vocabSize];
        _keys = new float[vocabSize];
        _ids = new int[vocabSize];
        _scratch = new int[vocabSize];
    }

    /// <summary>Row width this sampler accepts.</summary>
    public int VocabSize { get; }

    /// <summary>
    /// Samples a token: logit bias, penalties, temperature, filters, one draw. <paramref name="context"/> is prompt followed by output (penalties read it); the
    /// output starts at <paramref name="promptLength"/>. Advances <paramref name="rng"/> exactly once
    /// unless sampling is greedy.
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, SamplingParameters parameters, ref Xoshiro256StarStar rng,
        ReadOnlySpan<int> context, int promptLength) =>
        Sample(logits, parameters, LogitBiasTable.Create(parameters.LogitBias), ref rng, context, promptLength);

    /// <summary><see cref="Sample(ReadOnlySpan{float}, SamplingParameters, ref Xoshiro256StarStar, ReadOnlySpan{int}, int)"/>
    /// with <paramref name="parameters"/>' logit bias already flattened into <paramref name="bias"/> (the engine
    /// builds it once per request), so no call allocates.</summary>
    internal int Sample(ReadOnlySpan<float> logits, SamplingParameters parameters, LogitBiasTable? bias,
        ref Xoshiro256StarStar rng, ReadOnlySpan<int> context, int promptLength)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(logits.Length, VocabSize);
        if (parameters.IsGreedy && !parameters.HasPenalties && bias is null) return ArgMax(logits);
        Span<float> x = _work;
        logits.CopyTo(x);
        bias?.Apply(x);
        if (parameters.HasPenalties)
        {
            LogitPenalties.ApplyRepetition(x, context, parameters.RepetitionPenalty, _scratch);
            LogitPenalties.ApplyPresenceFrequency(x, context[promptLength..], parameters.PresencePenalty,
                parameters.FrequencyPenalty, _scratch);
        }
        if (parameters.IsGreedy) return ArgMax(x);

        // Unnormalised probabilities with the top token at exactly 1.
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Multiply(x, 1f / parameters.Temperature, x);
        TensorPrimitives.Exp(x, x);

        double u = rng.NextDouble();
        float minP = parameters.MinP;
        if (parameters.TopK == 0 && parameters.TopP >= 1f) return DrawAbove(x, minP, u);
        int kept = SortedCandidates(x, minP, parameters.TopK, parameters.TopP);
        return DrawSorted(kept, u);
    }

    /// <summary>Index of the largest logit; the lowest index wins ties and NaNs are skipped (as a scalar scan that keeps
    /// the first value no later one exceeds: a NaN at index 0 wins). Vectorised in the registers of
    /// <see cref="CpuKernels.Path"/>: one pass for the largest non-NaN value, one for its first index.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits) => ArgMax(logits, CpuKernels.Path);

    /// <summary><see cref="ArgMax(ReadOnlySpan{float})"/> on <paramref name="path"/>'s registers (the same answer on every path).</summary>
    internal static int ArgMax(ReadOnlySpan<float> logits, CpuKernelPath path)
    {
        if (float.IsNaN(logits[0])) return ArgMaxScalar(logits);
        return path switch
        {
            CpuKernelPath.Avx512 when logits.Length >= Vector512<float>.Count => ArgMax512(logits),
            CpuKernelPath.Avx512 or CpuKernelPath.Avx2 when logits.Length >= Vector256<float>.Count => ArgMax256(logits),
            _ when logits.Length >= Vector128<float>.Count => ArgMax128(logits),
            _ => ArgMaxScalar(logits),
        };
    }

    private static int ArgMax512(ReadOnlySpan<float> logits)
    {
        ref float start = ref MemoryMarshal.GetReference(logits);
        var negativeInfinity = Vector512.Create(float.NegativeInfinity);
        Vector512<float> best = negativeInfinity;
        int i = 0, last = logits.Length - Vector512<float>.Count;
        for (; i <= last; i += Vector512<float>.Count)
        {
            Vector512<float> v = Vector512.LoadUnsafe(ref start, (nuint)i);
            best = Vector512.Max(best, Vector512.ConditionalSelect(Vector512.Equals(v, v), v, negativeInfinity));
        }
        float max = MaxOfTail(logits, i, VectorReductions.MaxAcross(best));
        var target = Vector512.Create(max);
        for (i = 0; i <= last; i += Vector512<float>.Count)
        {
            ulong hits = Vector512.Equals(Vector512.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
            if (hits != 0) return i + BitOperations.TrailingZeroCount(hits);
        }
        return FirstOfTail(logits, i, max);
    }

    private static int ArgMax256(ReadOnlySpan<float> logits)
    {
        ref float start = ref MemoryMarshal.GetReference(logits);
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        Vector256<float> best = negativeInfinity;
        int i = 0, last = logits.Length - Vector256<float>.Count;
        for (; i <= last; i += Vector256<float>.Count)
        {
            Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
            best = Vector256.Max(best, Vector256.ConditionalSelect(Vector256.Equals(v, v), v, negativeInfinity));
        }
        float max = MaxOfTail(logits, i, VectorReductions.MaxAcross(best));
        var target = Vector256.Create(max);
        for (i = 0; i <= last; i += Vector256<float>.Count)
        {
            uint hits = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
            if (hits != 0) return i + BitOperations.TrailingZeroCount(hits);
        }
        return FirstOfTail(logits, i, max);
    }

    private static int ArgMax128(ReadOnlySpan<float> logits)
    {
        ref float start = ref MemoryMarshal.GetReference(logits);
        var negativeInfinity = Vector128.Create(float.NegativeInfinity);
        Vector128<float> best = negativeInfinity;
        int i = 0, last = logits.Length - Vector128<float>.Count;
        for (; i <= last; i += Vector128<float>.Count)
        {
            Vector128<float> v = Vector128.LoadUnsafe(ref start, (nuint)i);
            best = Vector128.Max(best, Vector128.ConditionalSelect(Vector128.Equals(v, v), v, negativeInfinity));
        }
        float max = MaxOfTail(logits, i, VectorReductions.MaxAcross(best));
        var target = Vector128.Create(max);
        for (i = 0; i <= last; i += Vector128<float>.Count)
        {
            uint hits = Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
            if (hits != 0) return i + BitOperations.TrailingZeroCount(hits);
        }
        return FirstOfTail(logits, i, max);
    }

    // The largest non-NaN value: the vector passes' max raised by the elements from tail on (NaN compares false).
    private static float MaxOfTail(ReadOnlySpan<float> logits, int tail, float max)
    {
        for (int i = tail; i < logits.Length; i++)
        {
            if (logits[i] > max) max = logits[i];
        }
        return max;
    }

    // The first index from tail on holding max.
    private static int FirstOfTail(ReadOnlySpan<float> logits, int tail, float max)
    {
        for (int i = tail; i < logits.Length; i++)
        {
            if (logits[i] == max) return i;
        }
        return 0; // unreachable: max is one of the values, or -inf with logits[0] the first -inf
    }

    /// <summary>The reference scan.</summary>
    internal static int ArgMaxScalar(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float bestValue = logits[0];
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > bestValue)
            {
                bestValue = logits[i];
                best = i;
            }
        }
        return best;
    }

    // Draws from all tokens with probability ≥ cut, in id order.
    private static int DrawAbove(ReadOnlySpan<float> p, float cut, double u)
    {
        double total = 0;
        foreach (float v in p) if (v >= cut) total += v;
        double target = u * total, sum = 0;
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < cut || p[i] == 0f) continue;
            sum += p[i];
            last = i;
            if (sum > target) return i;
        }
        return last; // rounding left target at the very end
    }

    // Fills _ids/_keys with the min-p survivors sorted by falling probability and returns how many
    // survive top-k and then top-p.
    private int SortedCandidates(ReadOnlySpan<float> p, float minP, int topK, float topP)
    {
        int n = Collect(p, Math.Max(minP, PreselectShare));
        bool exact = topK > 0 ? n >= topK : SumAbove(p, Math.Max(minP, PreselectShare)) >= topP * SumAbove(p, minP);
        if (!exact) n = Collect(p, minP);

        _keys.AsSpan(0, n).Sort(_ids.AsSpan(0, n));
        int kept = topK > 0 ? Math.Min(n, topK) : n;
        if (topP < 1f)
        {
            double total = 0;
            for (int j = 0; j < kept; j++) total -= _keys[j];
            double target = topP * total, sum = 0;
            for (int j = 0; j < kept; j++)
            {
                sum -= _keys[j];
                if (sum >= target)
                {
                    kept = j + 1;
                    break;
                }
            }
        }
        return kept;
    }

    private int Collect(ReadOnlySpan<float> p, float cut)
    {
        int n = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < cut || p[i] == 0f) continue;
            _ids[n] = i;
            _keys[n++] = -p[i];
        }
        return n;
    }

    private static double SumAbove(ReadOnlySpan<float> p, float cut)
    {
        double total = 0;
        foreach (float v in p) if (v >= cut) total += v;
        return total;
    }

    private int DrawSorted(int kept, double u)
    {
        double total = 0;
        for (int j = 0; j < kept; j++) total -= _keys[j];
        double target = u * total, sum = 0;
        for (int j = 0; j < kept; j++)
        {
            sum -= _keys[j];
            if (sum > target) return _ids[j];
        }
        return _ids[Math.Max(0, kept - 1)];
    }
}
