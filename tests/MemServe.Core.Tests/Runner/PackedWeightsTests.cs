using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>A runner that packs its weights (<see cref="CpuRunnerOptions.PackWeights"/>, the default) computes what a
/// runner over the source's row-major matrices computes, and is charged for its own copy instead of the source's.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class PackedWeightsTests
{
    [Theory]
    [InlineData("llama", DType.BF16)]
    [InlineData("qwen2", DType.F16)]
    [InlineData("mistral", DType.F32)]
    public void Packed_and_row_major_runners_give_the_same_logits(string kind, DType dtype)
    {
        var (config, weights) = TinyModels.Create(kind, dtype);
        using var _ = weights;
        using var packed = new RunnerHarness(config, weights, new CpuRunnerOptions { Threads = 2, BlockTokens = 4 });
        using var rowMajor = new RunnerHarness(config, weights, new CpuRunnerOptions { Threads = 2, BlockTokens = 4, PackWeights = false });
        int[] prompt = TinyModels.Tokens(23, config.VocabSize, seed: 4);

        LogitAssert.Close(rowMajor.Step(0, prompt), packed.Step(0, prompt), relative: 1e-4, context: "prefill");
        for (int step = 0; step < 3; step++)
        {
            int[] next = [(step * 7 + 3) % config.VocabSize];
            LogitAssert.Close(rowMajor.Step(0, next), packed.Step(0, next), relative: 1e-4, context: $"decode step {step}");
        }
    }

    [Fact]
    public void The_budget_is_charged_for_the_packed_copy_not_the_source()
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16);
        using var _ = weights;
        var budget = new MemServe.Memory.MemoryBudget(1L << 30);
        long before = budget.UsedBy(MemServe.Memory.MemoryCategory.Weights);
        using (var runner = new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1, Budget = budget }))
        {
            long charged = budget.UsedBy(MemServe.Memory.MemoryCategory.Weights) - before;
            Assert.Equal(runner.WeightBytes, charged);
            long regions = runner.DecodeReadRegions().Sum(r => r.Bytes);
            Assert.True(charged >= regions, $"charged {charged} bytes, the packed matrices alone are {regions}");
            Assert.True(charged < regions + (1 << 16), $"charged {charged} bytes for {regions} bytes of packed matrices and small vectors");
        }
        Assert.Equal(before, budget.UsedBy(MemServe.Memory.MemoryCategory.Weights));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Runners_over_one_source_share_one_copy_until_the_last_is_disposed(bool q8)
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16);
        using var _ = weights;
        long before = MemServe.Memory.NativeMemoryTracker.LiveBytes;
        var budgetA = new MemServe.Memory.MemoryBudget(1L << 30);
        var budgetB = new MemServe.Memory.MemoryBudget(1L << 30);
        var options = new CpuRunnerOptions { Threads = 2, BlockTokens = 4, QuantizeWeightsToQ8 = q8 };
        int[] prompt = TinyModels.Tokens(11, config.VocabSize, seed: 2);
        float[] expected;
        using (var alone = new RunnerHarness(config, weights, options)) expected = alone.Step(0, prompt);
        Assert.Equal(before, MemServe.Memory.NativeMemoryTracker.LiveBytes);

        var a = new RunnerHarness(config, weights, options with { Budget = budgetA });
        long withOne = MemServe.Memory.NativeMemoryTracker.LiveBytes;
        var b = new RunnerHarness(config, weights, options with { Budget = budgetB });
        long copies = a.Runner.DecodeReadRegions().Sum(r => r.Bytes);

        // The second runner adds its scratch and KV but no second copy of the matrices; each budget is charged for them.
        Assert.Equal(a.Runner.DecodeReadRegions().Select(r => r.Start), b.Runner.DecodeReadRegions().Select(r => r.Start));
        Assert.True(MemServe.Memory.NativeMemoryTracker.LiveBytes - withOne < withOne - before - copies / 2,
            "the second runner allocated another copy of the weights");
        Assert.Equal(budgetA.UsedBy(MemServe.Memory.MemoryCategory.Weights), budgetB.UsedBy(MemServe.Memory.MemoryCategory.Weights));
        a.Dispose();
        Assert.Equal(expected, b.Step(0, prompt)); // the copy outlives the first runner
        b.Dispose();
        Assert.Equal(before, MemServe.Memory.NativeMemoryTracker.LiveBytes);
        Assert.Equal(0, budgetA.UsedBytes);
        Assert.Equal(0, budgetB.UsedBytes);
    }
}
