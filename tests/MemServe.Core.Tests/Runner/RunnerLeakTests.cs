using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Runner;

[Collection(nameof(NativeMemoryCollection))]
public class RunnerLeakTests
{
    [Fact]
    public void Native_memory_returns_to_its_start_after_disposing_runner_storage_and_source()
    {
        long before = NativeMemoryTracker.LiveBytes;
        var (config, weights) = TinyModels.Create("qwen3", DType.F16);
        var harness = new RunnerHarness(config, weights);
        harness.Step(0, [1, 2, 3, 4, 5, 6]);
        Assert.True(NativeMemoryTracker.LiveBytes > before);

        harness.Dispose();
        weights.Dispose();

        Assert.Equal(before, NativeMemoryTracker.LiveBytes);
    }
}
