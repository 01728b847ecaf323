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
}
