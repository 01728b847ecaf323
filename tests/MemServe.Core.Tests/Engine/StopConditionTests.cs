using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Engine;

/// <summary>The scripted runner continues "a" with "bcdefghij…" (each token the next letter).</summary>
[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class StopConditionTests
{
    private static LlmEngine CreateEngine() =>
        TestEngines.Create(new FakeRunner { Script = context => context[^1] + 1 });

    private static GenerationRequest Request(int maxTokens = 10) => new()
    {
        PromptTokenIds = FakeTokenizer.Ids("a"),
        MaxTokens = maxTokens,
        Sampling = MemServe.Sampling.SamplingParameters.Greedy,
    };

    private static async Task<List<GenerationUpdate>> UpdatesAsync(LlmEngine engine, GenerationRequest request)
    {
        var updates = new List<GenerationUpdate>();
        await foreach (GenerationUpdate update in engine.GenerateAsync(request)) updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task A_stop_string_spanning_two_tokens_ends_generation_and_is_left_out()
    {
        await using LlmEngine engine = CreateEngine();

        List<GenerationUpdate> updates = await UpdatesAsync(engine, Request() with { StopStrings = ["de"] });

        Assert.Equal(["b", "c", "", ""], updates.Select(u => u.TextDelta));
        Assert.Equal(FinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal(FakeTokenizer.Id('e'), updates[^1].TokenId);
    }

    [Fact]
    public async Task Partial_stop_text_is_released_when_the_stop_string_does_not_follow()
    {
        await using LlmEngine engine = CreateEngine();

        List<GenerationUpdate> updates = await UpdatesAsync(engine, Request(6) with { StopStrings = ["dX"] });

        Assert.Equal(["b", "c", "", "de", "f", "g"], updates.Select(u => u.TextDelta));
        Assert.Equal(FinishReason.Length, updates[^1].FinishReason);
    }

    [Fact]
    public async Task Text_held_for_a_stop_string_is_flushed_when_the_token_limit_ends_generation()
    {
        await using LlmEngine engine = CreateEngine();

        GenerationResult result = await engine.CompleteAsync(Request(3) with { StopStrings = ["def"] });

        Assert.Equal("bcd", result.Text);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public async Task A_stop_token_ends_generation_without_its_text()
    {
        await using LlmEngine engine = CreateEngine();

        GenerationResult result = await engine.CompleteAsync(Request() with { StopTokenIds = [FakeTokenizer.Id('e')] });

        Assert.Equal("bcd", result.Text);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
        Assert.Equal(FakeTokenizer.Id('e'), result.TokenIds[^1]);
        Assert.Equal(4, result.Usage.OutputTokens);
    }

    [Fact]
    public async Task Eos_stops_generation_unless_ignored()
    {
        // After '9' (the last id) comes id 64 - 63 = 1 = EOS: script wraps to EOS.
        await using LlmEngine engine = TestEngines.Create(new FakeRunner { Script = c => c[^1] == 63 ? FakeTokenizer.Eos : 63 });
        var request = new GenerationRequest { PromptTokenIds = [5], MaxTokens = 5, Sampling = MemServe.Sampling.SamplingParameters.Greedy };

        GenerationResult stopped = await engine.CompleteAsync(request);
        GenerationResult ignored = await engine.CompleteAsync(request with { IgnoreEos = true });

        Assert.Equal([63, FakeTokenizer.Eos], stopped.TokenIds);
        Assert.Equal("9", stopped.Text);
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(5, ignored.TokenIds.Count);
        Assert.Equal(FinishReason.Length, ignored.FinishReason);
    }
}
