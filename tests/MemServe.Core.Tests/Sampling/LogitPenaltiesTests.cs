using MemServe.Sampling;

namespace MemServe.Core.Tests.Sampling;

public class LogitPenaltiesTests
{
    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits_once_per_token()
    {
        float[] logits = [4f, -2f, 3f, 1f];
        var scratch = new int[4];

        LogitPenalties.ApplyRepetition(logits, [0, 1, 0, 0], 2f, scratch);

        Assert.Equal([2f, -4f, 3f, 1f], logits);
        Assert.All(scratch, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Presence_and_frequency_penalties_subtract_per_generated_occurrence()
    {
        float[] logits = [1f, 1f, 1f];
        var scratch = new int[3];

        LogitPenalties.ApplyPresenceFrequency(logits, [2, 0, 2, 2], presence: 0.5f, frequency: 0.25f, scratch);

        Assert.Equal([1f - 0.25f - 0.5f, 1f, 1f - 0.75f - 0.5f], logits);
        Assert.All(scratch, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Presence_and_frequency_penalties_ignore_prompt_tokens()
    {
        float[] logits = [1f, 1f];
        var sampler = new Sampler(2);
        var rng = new Xoshiro256StarStar(1);

        // Token 0 appears only in the prompt (length 2); token 1 was generated once.
        int token = sampler.Sample(logits, SamplingParameters.Greedy with { PresencePenalty = 1f }, ref rng, [0, 0, 1], 2);

        Assert.Equal(0, token);
    }
}
