using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class CancellationTests
{
    [Fact]
    public async Task Cancelling_the_token_frees_the_requests_blocks()
    {
        var runner = new FakeRunner();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ => { if (runner.ForwardCalls >= 1) gate.Wait(); }; // hold the second step
        await using LlmEngine engine = TestEngines.Create(runner);
        using var cts = new CancellationTokenSource();
        var request = TestEngines.Greedy(TestEngines.Prompt(1, 30), 400);
        int usedWhileRunning = -1;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request, cts.Token))
            {
                usedWhileRunning = engine.GetStats().KvBlocksUsed;
                await cts.CancelAsync();
                gate.Set();
            }
        });

        EngineStats stats = await TestEngines.IdleAsync(engine, s => s.CancelledRequests == 1);
        Assert.True(usedWhileRunning > 0);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.Equal(1, stats.CancelledRequests);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task Abandoning_the_enumerator_frees_the_requests_blocks()
    {
        await using LlmEngine engine = TestEngines.Create();
        var request = TestEngines.Greedy(TestEngines.Prompt(2, 30), 400);

        await foreach (GenerationUpdate update in engine.GenerateAsync(request))
        {
            break;
        }

        EngineStats stats = await TestEngines.IdleAsync(engine);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.Equal(0, stats.Running);
    }

    [Fact]
    public async Task Disposing_the_engine_ends_every_request_in_flight_with_ObjectDisposedException()
    {
        var runner = new FakeRunner();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ => { entered.Set(); gate.Wait(); };
        LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { MaxRunningSequences = 2 });
        var requests = new Task<GenerationResult>[6];
        for (int i = 0; i < requests.Length; i++)
            requests[i] = engine.CompleteAsync(TestEngines.Greedy(TestEngines.Prompt(i, 5), 50));
        entered.Wait(TestEngines.Patience);

        ValueTask disposing = engine.DisposeAsync();
        gate.Set();
        await disposing;

        foreach (Task<GenerationResult> request in requests)
            await Assert.ThrowsAsync<ObjectDisposedException>(() => request.WaitAsync(TestEngines.Patience));
        Assert.True(runner.Disposed);
        Assert.Throws<ObjectDisposedException>(() => engine.GenerateAsync(TestEngines.Greedy([3], 1)));
    }

    [Fact]
    public async Task A_runner_failure_fails_that_steps_requests_and_the_engine_goes_on()
    {
        var runner = new FakeRunner();
        bool failNext = true;
        runner.OnForward = _ =>
        {
            if (failNext)
            {
                failNext = false;
                throw new InvalidOperationException("boom");
            }
        };
        await using LlmEngine engine = TestEngines.Create(runner);

        var error = await Assert.ThrowsAsync<MemServeException>(
            () => engine.CompleteAsync(TestEngines.Greedy([4, 5], 3)));
        GenerationResult next = await engine.CompleteAsync(TestEngines.Greedy([4, 5], 3));

        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal(3, next.TokenIds.Count);
        Assert.Equal(0, (await TestEngines.IdleAsync(engine)).KvBlocksUsed);
    }

    [Fact]
    public async Task A_postprocessing_failure_fails_only_that_request()
    {
        // The script continues every context with its last token + 1; the poisoned token is 'k'.
        var runner = new FakeRunner { Script = context => context[^1] + 1 };
        var tokenizer = new FakeTokenizer { PoisonTokenId = FakeTokenizer.Id('k') };
        await using LlmEngine engine = TestEngines.Create(runner, tokenizer: tokenizer);

        Task<GenerationResult> poisoned = engine.CompleteAsync(TestEngines.Greedy(FakeTokenizer.Ids("h"), 5));
        Task<GenerationResult> healthy = engine.CompleteAsync(TestEngines.Greedy(FakeTokenizer.Ids("A"), 5));

        var error = await Assert.ThrowsAsync<MemServeException>(() => poisoned);
        Assert.IsType<FormatException>(error.InnerException);
        Assert.Equal("BCDEF", (await healthy).Text);
    }
}
