using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Engine;

/// <summary><see cref="GenerationRequest.Logprobs"/> and <see cref="SamplingParameters.LogitBias"/> through the engine.</summary>
[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public sealed class LogprobsEngineTests
{
    private static async Task<List<GenerationUpdate>> UpdatesAsync(LlmEngine engine, GenerationRequest request)
    {
        var updates = new List<GenerationUpdate>();
        await foreach (GenerationUpdate update in engine.GenerateAsync(request).WithCancellation(default)) updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task Every_update_carries_the_exact_logprob_of_a_scripted_distribution()
    {
        // The scripted runner gives one token logit 10 and the other 63 logit 0.
        var runner = new FakeRunner { Script = context => 2 + context.Length % 20 };
        await using LlmEngine engine = TestEngines.Create(runner);
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(1, 6), 5) with { Logprobs = 3 };

        List<GenerationUpdate> updates = await UpdatesAsync(engine, request);

        double top = 10 - Math.Log(Math.Exp(10) + 63), rest = -Math.Log(Math.Exp(10) + 63);
        Assert.Equal(5, updates.Count);
        foreach (GenerationUpdate update in updates)
        {
            TokenLogprobs logprobs = Assert.IsType<TokenLogprobs>(update.Logprobs);
            Assert.Equal(top, logprobs.Logprob, 1e-5);
            Assert.Equal(3, logprobs.Top.Count);
            Assert.Equal(update.TokenId, logprobs.Top[0].TokenId);
            Assert.Equal(rest, logprobs.Top[1].Logprob, 1e-5);
            Assert.True(logprobs.Top[1].TokenId < logprobs.Top[2].TokenId, "ties in id order");
        }
    }

    [Fact]
    public async Task Without_logprobs_updates_carry_none()
    {
        await using LlmEngine engine = TestEngines.Create();
        List<GenerationUpdate> updates = await UpdatesAsync(engine, TestEngines.Greedy(TestEngines.Prompt(2, 5), 3));
        Assert.All(updates, u => Assert.Null(u.Logprobs));
    }

    [Fact]
    public async Task Logprobs_are_of_the_raw_distribution_whatever_the_bias()
    {
        await using LlmEngine engine = TestEngines.Create();
        GenerationRequest plain = TestEngines.Greedy(TestEngines.Prompt(3, 7), 1) with { Logprobs = 5 };
        TokenLogprobs unbiased = (await UpdatesAsync(engine, plain))[0].Logprobs!;
        int banned = unbiased.Top[0].TokenId, second = unbiased.Top[1].TokenId;

        GenerationRequest biased = plain with
        {
            Sampling = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [banned] = -100 } },
        };
        GenerationUpdate update = (await UpdatesAsync(engine, biased))[0];

        Assert.Equal(second, update.TokenId);
        Assert.Equal(unbiased.Top, update.Logprobs!.Top);
        Assert.Equal(unbiased.Top[1].Logprob, update.Logprobs.Logprob);
    }

    [Fact]
    public async Task A_large_bias_makes_greedy_generate_its_token()
    {
        await using LlmEngine engine = TestEngines.Create();
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(4, 5), 4) with
        {
            Sampling = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [42] = 100 } },
        };
        GenerationResult result = await engine.CompleteAsync(request).WaitAsync(TestEngines.Patience);
        Assert.Equal([42, 42, 42, 42], result.TokenIds);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public async Task Logprobs_outside_0_to_20_are_refused(int logprobs)
    {
        await using LlmEngine engine = TestEngines.Create();
        var ex = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(TestEngines.Greedy([3, 4], 2) with { Logprobs = logprobs }));
        Assert.Contains("Logprobs", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, 1f, "LogitBias[64]")]
    [InlineData(5, 100.5f, "LogitBias[5]")]
    [InlineData(5, float.NaN, "LogitBias[5]")]
    public async Task An_invalid_bias_is_refused_naming_the_token(int id, float bias, string named)
    {
        await using LlmEngine engine = TestEngines.Create();
        GenerationRequest request = TestEngines.Greedy([3, 4], 2) with
        {
            Sampling = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [id] = bias } },
        };
        var ex = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(request));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }
}
