using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class GreedyConsistencyTests
{
    private static GenerationRequest[] Requests(int count, int seed, int maxPrompt, int maxTokens)
    {
        var random = new Random(seed);
        var requests = new GenerationRequest[count];
        for (int i = 0; i < count; i++)
        {
            requests[i] = TestEngines.Greedy(TestEngines.Prompt(seed * 100 + i, random.Next(1, maxPrompt + 1)),
                random.Next(1, maxTokens + 1));
        }
        return requests;
    }

    [Fact]
    public async Task Outputs_are_the_same_alone_and_batched()
    {
        GenerationRequest[] requests = Requests(12, seed: 1, maxPrompt: 20, maxTokens: 24);
        int[][] alone = await TestEngines.AloneAsync(requests);

        await using LlmEngine engine = TestEngines.Create();
        int[][] together = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(alone, together);
    }

    [Fact]
    public async Task Chunked_prefill_gives_the_same_outputs_as_unchunked()
    {
        GenerationRequest[] requests = Requests(6, seed: 2, maxPrompt: 60, maxTokens: 10);
        var runner = new FakeRunner();
        int[][] unchunked = await TestEngines.AloneAsync(requests);

        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { MaxBatchTokens = 5 });
        int[][] chunked = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(unchunked, chunked);
        Assert.True(runner.MostTokensInOneCall <= 5, $"a step ran {runner.MostTokensInOneCall} tokens");
    }

    [Fact]
    public async Task A_long_prompt_is_prefilled_in_chunks_beside_running_decodes()
    {
        var runner = new FakeRunner();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        int sharedSteps = 0;
        runner.OnForward = batch =>
        {
            entered.Set();
            gate.Wait();
            var seqs = batch.Sequences;
            if (seqs.Length == 2 && seqs[0].NewTokens == 1 && seqs[1].NewTokens == 7) sharedSteps++;
        };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { MaxBatchTokens = 8 });

        Task<int[]> shortRequest = TestEngines.TokensAsync(engine, TestEngines.Greedy([5, 6], 40));
        entered.Wait(TestEngines.Patience); // the short prompt's prefill is in the runner
        Task<int[]> longRequest = TestEngines.TokensAsync(engine, TestEngines.Greedy(TestEngines.Prompt(7, 200), 2));
        gate.Set();
        await Task.WhenAll(shortRequest, longRequest);

        // 200 prompt tokens at 7 per step beside the short request's decode: 28 full chunks.
        Assert.True(sharedSteps >= 28, $"only {sharedSteps} steps decoded and prefilled together");
        Assert.True(runner.MostTokensInOneCall <= 8);
    }

    [Fact]
    public async Task Preemption_does_not_change_outputs()
    {
        GenerationRequest[] requests = Requests(8, seed: 3, maxPrompt: 12, maxTokens: 30);
        int[][] alone = await TestEngines.AloneAsync(requests);

        // 12 blocks of 4 tokens: a single request needs up to 11, eight together far more.
        await using LlmEngine engine = TestEngines.Create(options: new LlmEngineOptions { MaxKvBlocks = 12 });
        int[][] together = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(alone, together);
        Assert.True(engine.GetStats().Preemptions > 0, "the pool was meant to be too small to avoid preemption");
    }

    [Fact]
    public async Task Outputs_are_reproducible_on_one_engine()
    {
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(4, 9), 16);
        await using LlmEngine engine = TestEngines.Create();

        int[] first = await TestEngines.TokensAsync(engine, request);
        int[] second = await TestEngines.TokensAsync(engine, request);

        Assert.Equal(first, second);
        Assert.Equal(16, first.Length);
    }
}
