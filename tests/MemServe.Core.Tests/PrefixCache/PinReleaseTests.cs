using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;

namespace MemServe.Core.Tests.PrefixCache;

/// <summary>Pins taken by running requests are released on cancellation and preemption.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class PinReleaseTests
{
    private static readonly int[] Shared = TestEngines.Prompt(400, 32);

    [Fact]
    public async Task A_cancelled_request_releases_its_pins()
    {
        await using LlmEngine engine = CachedEngines.Create(new LlmEngineOptions { BlockTokens = 4 });
        await engine.CompleteAsync(TestEngines.Greedy(Shared, 2));
        using var cts = new CancellationTokenSource();
        GenerationRequest request = TestEngines.Greedy(CachedEngines.Concat(Shared, [5, 6, 7]), 200);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request, cts.Token))
            {
                cts.Cancel();
            }
        });

        EngineStats stats = await TestEngines.IdleAsync(engine);
        Assert.Equal(0, stats.Running);
        CachedEngines.AssertIdleAndConsistent(engine);
    }

    [Fact]
    public async Task Preempted_requests_release_their_pins_and_still_match_uncached_outputs()
    {
        var requests = new GenerationRequest[4];
        for (int i = 0; i < requests.Length; i++)
            requests[i] = TestEngines.Greedy(CachedEngines.Concat(Shared, TestEngines.Prompt(500 + i, 3)), 12);
        int[][] expected = await CachedEngines.ReferenceAsync(requests);
        await using LlmEngine engine = CachedEngines.Create(new LlmEngineOptions { BlockTokens = 4, MaxKvBlocks = 22, MaxBatchTokens = 8 });

        int[][] together = await TestEngines.TogetherAsync(engine, requests);

        Assert.Equal(expected, together);
        Assert.True(engine.GetStats().Preemptions > 0, "the pool was meant to force a preemption");
        CachedEngines.AssertIdleAndConsistent(engine);
    }
}
