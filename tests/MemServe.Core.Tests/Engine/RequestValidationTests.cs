using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class RequestValidationTests
{
    private static readonly int[] ValidPrompt = [3, 4, 5];

    public static TheoryData<string, GenerationRequest> InvalidRequests => new()
    {
        { "Prompt", new GenerationRequest() },
        { "Prompt is empty", new GenerationRequest { Prompt = "" } },
        { "not both", new GenerationRequest { Prompt = "abc", PromptTokenIds = ValidPrompt } },
        { "PromptTokenIds is empty", new GenerationRequest { PromptTokenIds = [] } },
        { "PromptTokenIds[1]", new GenerationRequest { PromptTokenIds = [3, 64] } },
        { "PromptTokenIds[0]", new GenerationRequest { PromptTokenIds = [-1] } },
        { "MaxTokens", new GenerationRequest { PromptTokenIds = ValidPrompt, MaxTokens = 0 } },
        { "Temperature", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { Temperature = -1 } } },
        { "Temperature", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { Temperature = float.NaN } } },
        { "TopP", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { TopP = 0 } } },
        { "TopP", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { TopP = 1.5f } } },
        { "TopK", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { TopK = -1 } } },
        { "MinP", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { MinP = 1.1f } } },
        { "MinP", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { MinP = -0.1f } } },
        { "RepetitionPenalty", new GenerationRequest { PromptTokenIds = ValidPrompt, Sampling = new() { RepetitionPenalty = 0 } } },
        { "StopStrings[1]", new GenerationRequest { PromptTokenIds = ValidPrompt, StopStrings = ["x", ""] } },
        { "StopTokenIds[0]", new GenerationRequest { PromptTokenIds = ValidPrompt, StopTokenIds = [99] } },
        { "context", new GenerationRequest { PromptTokenIds = new int[32] } },
        { "StopStrings", new GenerationRequest { PromptTokenIds = ValidPrompt, StopStrings = null! } },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task An_invalid_request_is_rejected_naming_the_field(string field, GenerationRequest request)
    {
        await using LlmEngine engine = TestEngines.Create(new FakeRunner(maxPositions: 32));

        var error = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(request));

        Assert.Contains(field, error.Message);
    }

    [Fact]
    public async Task A_prompt_that_fills_the_context_but_one_token_is_accepted()
    {
        await using LlmEngine engine = TestEngines.Create(new FakeRunner(maxPositions: 32));

        GenerationResult result = await engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(1, 31), 10));

        Assert.Single(result.TokenIds);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public async Task A_text_prompt_gets_the_tokenizers_special_tokens_by_default()
    {
        await using LlmEngine engine = TestEngines.Create();

        GenerationResult withBos = await engine.CompleteAsync(new GenerationRequest { Prompt = "abc", MaxTokens = 1, Sampling = SamplingParameters.Greedy });
        GenerationResult without = await engine.CompleteAsync(new GenerationRequest { Prompt = "abc", MaxTokens = 1, AddSpecialTokens = false, Sampling = SamplingParameters.Greedy });

        Assert.Equal(4, withBos.Usage.PromptTokens);
        Assert.Equal(3, without.Usage.PromptTokens);
    }
}
