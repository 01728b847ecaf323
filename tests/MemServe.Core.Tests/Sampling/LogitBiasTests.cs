using MemServe.Sampling;

namespace MemServe.Core.Tests.Sampling;

/// <summary><see cref="SamplingParameters.LogitBias"/> in the sampler: added before penalties and temperature, greedy included.</summary>
public sealed class LogitBiasTests
{
    private static readonly float[] Logits = [0.5f, 4f, 1f, 2f, 0f, 3f];

    private static int Sample(SamplingParameters parameters, ulong seed = 7)
    {
        var rng = new Xoshiro256StarStar((long)seed);
        return new Sampler(Logits.Length).Sample(Logits, parameters, ref rng, [1, 2], promptLength: 2);
    }

    [Fact]
    public void A_large_bias_makes_greedy_pick_its_token()
    {
        var parameters = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [4] = 100 } };
        Assert.Equal(4, Sample(parameters));
    }

    [Fact]
    public void A_bias_of_minus_100_bans_the_greedy_choice()
    {
        var parameters = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [1] = -100 } };
        Assert.Equal(5, Sample(parameters));
    }

    [Fact]
    public void A_banned_token_is_never_drawn_at_temperature()
    {
        var parameters = new SamplingParameters { Temperature = 1.5f, LogitBias = new Dictionary<int, float> { [1] = -100, [5] = -100 } };
        var sampler = new Sampler(Logits.Length);
        var rng = new Xoshiro256StarStar(11);
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++) seen.Add(sampler.Sample(Logits, parameters, ref rng, [1], promptLength: 1));
        Assert.DoesNotContain(1, seen);
        Assert.DoesNotContain(5, seen);
        Assert.Contains(3, seen);
    }

    [Fact]
    public void The_bias_applies_before_penalties()
    {
        // Token 5 (logit 3) biased to 4.5, then its repetition penalty 2 halves it to 2.25: below token 3 (2 + 0.5);
        // token 1 (4) is penalised to 2. Applied after the penalty, the bias would put token 5 on top at 1.5 + 1.5 = 3.
        var parameters = new SamplingParameters
        {
            Temperature = 0, RepetitionPenalty = 2f,
            LogitBias = new Dictionary<int, float> { [5] = 1.5f, [3] = 0.5f },
        };
        var rng = new Xoshiro256StarStar(1);
        int token = new Sampler(Logits.Length).Sample(Logits, parameters, ref rng, [1, 5], promptLength: 2);
        Assert.Equal(3, token);
    }

    [Fact]
    public void Sampling_with_a_prebuilt_bias_table_allocates_nothing()
    {
        var parameters = new SamplingParameters { Temperature = 0.8f, TopK = 3, LogitBias = new Dictionary<int, float> { [2] = 5, [4] = -100 } };
        LogitBiasTable? table = LogitBiasTable.Create(parameters.LogitBias);
        var sampler = new Sampler(Logits.Length);
        var rng = new Xoshiro256StarStar(3);
        int[] context = [1, 2];
        sampler.Sample(Logits, parameters, table, ref rng, context, 1); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) sampler.Sample(Logits, parameters, table, ref rng, context, 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_logits_passed_in_are_not_modified()
    {
        float[] logits = [.. Logits];
        var rng = new Xoshiro256StarStar(1);
        new Sampler(logits.Length).Sample(logits, SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [0] = 50 } },
            ref rng, [], 0);
        Assert.Equal(Logits, logits);
    }
}
