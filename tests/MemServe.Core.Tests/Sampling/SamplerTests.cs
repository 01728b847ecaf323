using MemServe.Compute;
using MemServe.Core.Tests.Compute;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Sampling;

public class SamplerTests
{
    // Probabilities ∝ e^logit: token 0 ≈ 0.64, 1 ≈ 0.24, 2 ≈ 0.09, 3 ≈ 0.03, the rest tiny.
    private static readonly float[] Logits = [4, 3, 2, 1, -3, -3, -3, -3];
    private const int Draws = 2000;

    private static int[] Histogram(SamplingParameters parameters, float[] logits, long seed = 7)
    {
        var sampler = new Sampler(logits.Length);
        var rng = new Xoshiro256StarStar(seed);
        var counts = new int[logits.Length];
        for (int i = 0; i < Draws; i++) counts[sampler.Sample(logits, parameters, ref rng, [], 0)]++;
        return counts;
    }

    private static double Softmax(float[] logits, int id, int count)
    {
        double total = 0;
        for (int i = 0; i < count; i++) total += Math.Exp(logits[i]);
        return Math.Exp(logits[id]) / total;
    }

    [Fact]
    public void Greedy_takes_the_lowest_id_among_tied_maxima()
    {
        var rng = new Xoshiro256StarStar(1);
        int token = new Sampler(4).Sample([1f, 5f, 5f, 2f], SamplingParameters.Greedy, ref rng, [], 0);
        Assert.Equal(1, token);
    }

    [Theory]
    [MemberData(nameof(ArgMaxLengths))]
    public void Vector_argmax_matches_the_scalar_scan_with_ties_infinities_and_nans(int length) =>
        CheckArgMax(length, logits => Sampler.ArgMax(logits));

    [KernelPathTheory(CpuKernelPath.Avx512)]
    [MemberData(nameof(ArgMaxLengths))]
    public void Avx512_argmax_matches_the_scalar_scan(int length) => CheckArgMax(length, logits => Sampler.ArgMax(logits, CpuKernelPath.Avx512));

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(ArgMaxLengths))]
    public void Avx2_argmax_matches_the_scalar_scan(int length) => CheckArgMax(length, logits => Sampler.ArgMax(logits, CpuKernelPath.Avx2));

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(ArgMaxLengths))]
    public void Portable_argmax_matches_the_scalar_scan(int length) => CheckArgMax(length, logits => Sampler.ArgMax(logits, CpuKernelPath.Portable));

    public static TheoryData<int> ArgMaxLengths() => new() { 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 49152, 151936 + 3 };

    private static void CheckArgMax(int length, Func<float[], int> argMax)
    {
        var random = new Random(length);
        for (int trial = 0; trial < 40; trial++)
        {
            var logits = new float[length];
            for (int i = 0; i < length; i++) logits[i] = (float)Math.Round(random.NextDouble() * 8 - 4, 1); // many ties
            int specials = random.Next(4);
            for (int k = 0; k < specials; k++)
            {
                logits[random.Next(length)] = random.Next(5) switch
                {
                    0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f, _ => 4f,
                };
            }
            if (trial % 10 == 0) logits[0] = float.NaN;                                        // a NaN first wins
            if (trial % 10 == 1) Array.Fill(logits, float.NegativeInfinity);                   // nothing above -inf
            if (trial % 10 == 2) for (int i = 0; i < length; i++) logits[i] = i % 3 == 0 ? float.NegativeInfinity : float.NaN;
            if (trial % 10 == 3) for (int i = 0; i < length; i++) logits[i] = i % 2 == 0 ? -0f : 0f; // signed zeros tie

            Assert.Equal(Sampler.ArgMaxScalar(logits), argMax(logits));
        }
    }

    [Fact]
    public void Temperature_sampling_follows_the_softmax()
    {
        int[] counts = Histogram(SamplingParameters.Default, Logits);
        for (int id = 0; id < 4; id++)
            Assert.InRange(counts[id] / (double)Draws, Softmax(Logits, id, 8) - 0.04, Softmax(Logits, id, 8) + 0.04);
    }

    [Fact]
    public void Top_k_keeps_only_the_k_most_likely_tokens_in_their_ratio()
    {
        int[] counts = Histogram(new SamplingParameters { TopK = 2 }, Logits);
        Assert.Equal(Draws, counts[0] + counts[1]);
        Assert.InRange(counts[0] / (double)Draws, Softmax(Logits, 0, 2) - 0.04, Softmax(Logits, 0, 2) + 0.04);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_the_mass()
    {
        // 0.64 + 0.24 = 0.88 ≥ 0.8: tokens 0 and 1 only.
        int[] counts = Histogram(new SamplingParameters { TopP = 0.8f }, Logits);
        Assert.Equal(Draws, counts[0] + counts[1]);
        Assert.True(counts[1] > 300, $"token 1 drawn {counts[1]} times");
    }

    [Fact]
    public void Top_p_covers_tokens_left_out_of_the_cheap_preselection()
    {
        // A flat tail: the nucleus at 0.999 needs tokens far below 1e-4 of the top one.
        float[] logits = [10, 0, 0, 0, 0, 0, 0, 0];
        int[] counts = Histogram(new SamplingParameters { TopP = 1f - 1e-6f }, logits, seed: 3);
        Assert.Equal(Draws, counts.Sum());
    }

    [Fact]
    public void Min_p_drops_tokens_below_the_share_of_the_top_token()
    {
        // p1/p0 = e^-1 ≈ 0.37 ≥ 0.3; p2/p0 = e^-2 ≈ 0.14 < 0.3.
        int[] counts = Histogram(new SamplingParameters { MinP = 0.3f }, Logits);
        Assert.Equal(Draws, counts[0] + counts[1]);
        Assert.InRange(counts[0] / (double)Draws, Softmax(Logits, 0, 2) - 0.04, Softmax(Logits, 0, 2) + 0.04);
    }

    [Fact]
    public void Low_temperature_concentrates_on_the_top_token()
    {
        int[] counts = Histogram(new SamplingParameters { Temperature = 0.1f }, Logits);
        Assert.True(counts[0] > Draws - 5, $"token 0 drawn {counts[0]} times");
    }

    [Fact]
    public void The_same_seed_draws_the_same_tokens()
    {
        var parameters = new SamplingParameters { Seed = 5 };
        Assert.Equal(Histogram(parameters, Logits, seed: 11), Histogram(parameters, Logits, seed: 11));
        Assert.NotEqual(Histogram(parameters, Logits, seed: 11), Histogram(parameters, Logits, seed: 12));
    }

    [Fact]
    public void Sampling_does_not_modify_the_callers_logits()
    {
        float[] logits = [1, 2, 3, 4];
        var rng = new Xoshiro256StarStar(1);
        new Sampler(4).Sample(logits, new SamplingParameters { RepetitionPenalty = 2, Temperature = 0.5f, TopK = 2 }, ref rng, [3], 0);
        Assert.Equal([1f, 2f, 3f, 4f], logits);
    }

    [Fact]
    public void Penalties_can_move_the_greedy_choice()
    {
        var rng = new Xoshiro256StarStar(1);
        var sampler = new Sampler(3);
        float[] logits = [2f, 1.5f, 0f];
        int plain = sampler.Sample(logits, SamplingParameters.Greedy, ref rng, [0, 0], 1);
        int penalised = sampler.Sample(logits, SamplingParameters.Greedy with { RepetitionPenalty = 2f }, ref rng, [0, 0], 1);
        Assert.Equal(0, plain);
        Assert.Equal(1, penalised);
    }
}
