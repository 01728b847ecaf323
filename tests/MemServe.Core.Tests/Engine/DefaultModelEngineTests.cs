using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Core.Tests.Engine;

/// <summary>The embedded default model served through <see cref="LlmEngine.Create"/> (the CLI's path).</summary>
[Collection(nameof(NativeMemoryCollection))]
public class DefaultModelEngineTests
{
    [Fact]
    public async Task The_default_model_generates_the_same_greedy_tokens_alone_and_batched()
    {
        var tokenizer = new FakeTokenizer { VocabSize = DefaultModel.Config.VocabSize };
        await using LlmEngine engine = LlmEngine.Create(DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer,
            new LlmEngineOptions { Threads = 2, MemoryBudgetBytes = 512L << 20, OwnsWeights = true, ModelName = DefaultModel.Name });
        GenerationRequest first = TestEngines.Greedy(TestEngines.Prompt(1, 8), 4);
        GenerationRequest second = TestEngines.Greedy(TestEngines.Prompt(2, 5), 4);

        int[] alone = await TestEngines.TokensAsync(engine, first);
        int[][] together = await TestEngines.TogetherAsync(engine, [first, second]);

        Assert.Equal(alone, together[0]);
        Assert.Equal(4, together[1].Length);
        Assert.Equal(DefaultModel.Name, engine.ModelInfo.Name);
        Assert.True(engine.ModelInfo.ParameterCount > 20_000_000);
    }
}
