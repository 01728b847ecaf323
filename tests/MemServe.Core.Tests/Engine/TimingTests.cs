using MemServe.Core.Tests.Runner;
using MemServe.Engine;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class TimingTests
{
    [Fact]
    public async Task Timings_are_measured_with_the_injected_clock()
    {
        var clock = new ManualTimeProvider();
        var runner = new FakeRunner { OnForward = _ => clock.Advance(TimeSpan.FromMilliseconds(10)) };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { TimeProvider = clock });

        GenerationResult result = await engine.CompleteAsync(TestEngines.Greedy([3, 4, 5], 4));

        // One step per token, 10 ms each; the request was scheduled before the first step ran.
        Assert.Equal(TimeSpan.Zero, result.Timings.QueueTime);
        Assert.Equal(TimeSpan.FromMilliseconds(10), result.Timings.TimeToFirstToken);
        Assert.Equal(TimeSpan.FromMilliseconds(40), result.Timings.Total);
    }

    [Fact]
    public async Task Recent_throughput_counts_the_tokens_of_recent_steps()
    {
        var clock = new ManualTimeProvider();
        var runner = new FakeRunner { OnForward = _ => clock.Advance(TimeSpan.FromMilliseconds(100)) };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { TimeProvider = clock });

        await engine.CompleteAsync(TestEngines.Greedy([3, 4, 5], 11));
        EngineStats stats = engine.GetStats();

        // 11 steps 100 ms apart: the window spans the 10 intervals between the first and the last.
        Assert.Equal(11 / 1.0, stats.RecentGeneratedTokensPerSecond, precision: 6);
        Assert.Equal((3 + 10) / 1.0, stats.RecentProcessedTokensPerSecond, precision: 6);
    }
}
