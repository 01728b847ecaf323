using MemServe.Engine;
using MemServe.Memory;
using MemServe.Core.Tests.Runner;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))]
public class EngineStressTests
{
    private enum Ending { Complete, CancelToken, StopEnumerating, CancelledBeforeStart }

    [Fact]
    public async Task Hundred_concurrent_requests_with_cancellations_and_preemption_all_end_and_leak_nothing()
    {
        var random = new Random(42);
        var requests = new GenerationRequest[100];
        var endings = new Ending[100];
        var cancelAfter = new int[100];
        for (int i = 0; i < requests.Length; i++)
        {
            requests[i] = new GenerationRequest
            {
                PromptTokenIds = TestEngines.Prompt(i, random.Next(1, 40)),
                MaxTokens = random.Next(1, 40),
                IgnoreEos = i % 3 != 0,
                Sampling = i % 2 == 0 ? SamplingParameters.Greedy : new SamplingParameters { Seed = i, TopK = 8 },
            };
            int roll = random.Next(10);
            endings[i] = roll < 6 ? Ending.Complete : roll < 8 ? Ending.CancelToken : roll < 9 ? Ending.StopEnumerating : Ending.CancelledBeforeStart;
            cancelAfter[i] = random.Next(0, 10);
        }
        int[][] reference = await TestEngines.AloneAsync(requests);
        long liveBefore = NativeMemoryTracker.LiveBytes;

        // Blocks are 64 bytes (4 tokens × K|V × 2 floats): 1950 bytes less the 1% reserve leave 30 blocks.
        var engine = TestEngines.Create(options: new LlmEngineOptions
        {
            MemoryBudgetBytes = 1950, MaxBatchTokens = 16, MaxRunningSequences = 16, AdmissionQueueCapacity = 20,
        });
        Assert.Equal(30, engine.GetStats().KvBlocksTotal);
        var tasks = new Task<int[]?>[requests.Length];
        for (int i = 0; i < requests.Length; i++) tasks[i] = RunAsync(engine, requests[i], endings[i], cancelAfter[i]);
        int[]?[] outputs = await Task.WhenAll(tasks).WaitAsync(TestEngines.Patience);

        EngineStats idle = await TestEngines.IdleAsync(engine);
        Assert.Equal(0, idle.KvBlocksUsed);
        Assert.True(idle.Preemptions > 0, "the pool was meant to force preemption");
        engine.Pool.CheckIntegrity();
        for (int i = 0; i < requests.Length; i++)
        {
            if (endings[i] == Ending.Complete) Assert.Equal(reference[i], outputs[i]);
        }
        await engine.DisposeAsync();
        Assert.Equal(liveBefore, NativeMemoryTracker.LiveBytes);
    }

    // Returns the output of a request that ran to the end, null for one that was cancelled.
    private static async Task<int[]?> RunAsync(LlmEngine engine, GenerationRequest request, Ending ending, int cancelAfter)
    {
        using var cts = new CancellationTokenSource();
        if (ending == Ending.CancelledBeforeStart) await cts.CancelAsync();
        var tokens = new List<int>();
        try
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request, cts.Token))
            {
                tokens.Add(update.TokenId);
                if (tokens.Count > cancelAfter && ending == Ending.StopEnumerating) return null;
                if (tokens.Count > cancelAfter && ending == Ending.CancelToken) await cts.CancelAsync();
            }
            return [.. tokens];
        }
        catch (OperationCanceledException) when (ending != Ending.Complete)
        {
            return null;
        }
    }
}
