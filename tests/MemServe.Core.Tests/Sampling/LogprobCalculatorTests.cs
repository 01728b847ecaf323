using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Sampling;

/// <summary><see cref="LogprobCalculator"/> against a slow double-precision log-softmax and a full sort.</summary>
public sealed class LogprobCalculatorTests
{
    private static float[] RandomLogits(int seed, int vocab)
    {
        var random = new Random(seed);
        var logits = new float[vocab];
        for (int i = 0; i < vocab; i++) logits[i] = (float)(random.NextDouble() * 20 - 10);
        return logits;
    }

    // The reference: log_softmax in double, the top k by a stable full sort (higher logit first, lower id on ties).
    private static (double[] LogProbs, int[] Top) Reference(float[] logits, int k)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        double logZ = max + Math.Log(sum);
        var logProbs = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) logProbs[i] = logits[i] - logZ;
        int[] order = [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i)];
        return (logProbs, order[..Math.Min(k, order.Length)]);
    }

    [Theory]
    [InlineData(1, 1000, 5)]
    [InlineData(2, 151_936, 20)]
    [InlineData(3, 64, 0)]
    [InlineData(4, 7, 20)]
    public void Matches_a_double_precision_log_softmax(int seed, int vocab, int k)
    {
        float[] logits = RandomLogits(seed, vocab);
        var calculator = new LogprobCalculator(vocab);
        int chosen = vocab / 3;

        TokenLogprobs result = calculator.Compute(logits, chosen, k);

        (double[] expected, int[] top) = Reference(logits, k);
        Assert.Equal(expected[chosen], result.Logprob, 1e-4);
        Assert.Equal(top, result.Top.Select(t => t.TokenId).ToArray());
        for (int j = 0; j < top.Length; j++) Assert.Equal(expected[top[j]], result.Top[j].Logprob, 1e-4);
    }

    [Fact]
    public void Ties_keep_the_lower_id_first_and_the_logits_are_not_modified()
    {
        float[] logits = [1, 3, 3, 0, 3, 2];
        float[] copy = [.. logits];

        TokenLogprobs result = new LogprobCalculator(logits.Length).Compute(logits, 0, 4);

        Assert.Equal([1, 2, 4, 5], result.Top.Select(t => t.TokenId).ToArray());
        Assert.Equal(copy, logits);
    }

    [Fact]
    public void A_masked_logit_has_negative_infinity_and_the_rest_stays_normalised()
    {
        float[] logits = [float.NegativeInfinity, 0, 0];

        TokenLogprobs result = new LogprobCalculator(3).Compute(logits, 0, 3);

        Assert.Equal(float.NegativeInfinity, result.Logprob);
        Assert.Equal(Math.Log(0.5), result.Top[0].Logprob, 1e-6);
        Assert.Equal(float.NegativeInfinity, result.Top[2].Logprob);
    }

    [Fact]
    public void More_than_twenty_alternatives_are_refused()
    {
        var calculator = new LogprobCalculator(64);
        Assert.Throws<ArgumentOutOfRangeException>(() => calculator.Compute(new float[64], 0, GenerationRequest.MaxTopLogprobs + 1));
    }
}
