using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class SeededSamplingTests
{
    private static GenerationRequest Seeded(int i, long seed) => new()
    {
        PromptTokenIds = TestEngines.Prompt(i, 3 + i % 7),
        MaxTokens = 20,
        IgnoreEos = true,
        Sampling = new SamplingParameters { Temperature = 0.9f, TopK = 20, TopP = 0.95f, Seed = seed },
    };

    [Fact]
    public async Task A_seeded_request_samples_the_same_alone_and_batched()
    {
        var requests = new GenerationRequest[8];
        for (int i = 0; i < requests.Length; i++) requests[i] = Seeded(i, seed: 100 + i);
        int[][] alone = await TestEngines.AloneAsync(requests);

        await using LlmEngine engine = TestEngines.Create(options: new LlmEngineOptions { MaxBatchTokens = 6, MaxKvBlocks = 16 });
        int[][] together = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(alone, together);
    }

    [Fact]
    public async Task Different_seeds_sample_differently()
    {
        await using LlmEngine engine = TestEngines.Create();

        int[] first = await TestEngines.TokensAsync(engine, Seeded(1, seed: 1));
        int[] second = await TestEngines.TokensAsync(engine, Seeded(1, seed: 2));

        Assert.NotEqual(first, second);
    }
}
