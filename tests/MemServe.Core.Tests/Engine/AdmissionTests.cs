using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class AdmissionTests
{
    [Fact]
    public async Task A_full_queue_rejects_a_request_that_does_not_wait()
    {
        var runner = new FakeRunner();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ => { entered.Set(); gate.Wait(); };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { AdmissionQueueCapacity = 1 });
        Task<GenerationResult> running = engine.CompleteAsync(TestEngines.Greedy([3, 4], 2));
        entered.Wait(TestEngines.Patience); // the first request is in the runner, the queue is empty
        Task<GenerationResult> queued = engine.CompleteAsync(TestEngines.Greedy([3, 4], 2)); // fills the queue

        var error = await Assert.ThrowsAsync<EngineOverloadedException>(
            () => engine.CompleteAsync(TestEngines.Greedy([3, 4], 2) with { WaitForAdmission = false }));

        gate.Set();
        Assert.Contains("AdmissionQueueCapacity", error.Message);
        Assert.Equal(2, (await running).TokenIds.Count);
        Assert.Equal(2, (await queued).TokenIds.Count);
    }

    [Fact]
    public async Task A_waiting_request_is_admitted_once_the_queue_has_room()
    {
        var runner = new FakeRunner();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ => { entered.Set(); gate.Wait(); };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { AdmissionQueueCapacity = 1 });
        Task<GenerationResult> running = engine.CompleteAsync(TestEngines.Greedy([3, 4], 2));
        entered.Wait(TestEngines.Patience);
        Task<GenerationResult> queued = engine.CompleteAsync(TestEngines.Greedy([3, 4], 2));

        Task<GenerationResult> waiting = engine.CompleteAsync(TestEngines.Greedy([3, 4], 2));
        Assert.False(waiting.IsCompleted);
        gate.Set();

        Assert.Equal(2, (await waiting.WaitAsync(TestEngines.Patience)).TokenIds.Count);
    }

    [Fact]
    public async Task A_request_bigger_than_the_whole_pool_fails_at_once()
    {
        await using LlmEngine engine = TestEngines.Create(options: new LlmEngineOptions { MaxKvBlocks = 4 }); // 16 tokens

        var error = Assert.Throws<MemoryBudgetExceededException>(
            () => engine.GenerateAsync(TestEngines.Greedy(TestEngines.Prompt(1, 16), 1)));

        Assert.Contains("KV cache", error.Message);
        Assert.Single((await engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(1, 15), 5))).TokenIds);
    }

    [Fact]
    public async Task Generation_stops_at_the_context_limit_with_finish_reason_length()
    {
        await using LlmEngine engine = TestEngines.Create(options: new LlmEngineOptions { MaxContextTokens = 12 });

        GenerationResult result = await engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(1, 10), 100));

        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.Equal(2, result.TokenIds.Count);
    }

    [Fact]
    public async Task The_last_update_reports_usage_and_timings()
    {
        await using LlmEngine engine = TestEngines.Create();

        GenerationResult result = await engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(1, 7), 5));

        Assert.Equal(new GenerationUsage(7, 0, 5), result.Usage);
        Assert.True(result.Timings.Total >= result.Timings.TimeToFirstToken);
        Assert.True(result.Timings.TimeToFirstToken >= result.Timings.QueueTime);
        EngineStats stats = engine.GetStats();
        Assert.Equal(7, stats.TotalPromptTokens);
        Assert.Equal(5, stats.TotalGeneratedTokens);
        Assert.Equal(1, stats.CompletedRequests);
    }
}
