using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>Bad checkpoints, budgets and requests fail with specific exceptions naming the fault.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class RunnerErrorTests
{
    [Fact]
    public void Missing_tensor_names_the_expected_tensor()
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16, skip: name => name == "model.layers.1.mlp.up_proj.weight");
        using var _ = weights;

        var ex = Assert.Throws<MissingTensorException>(() => new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1 }));
        Assert.Contains("model.layers.1.mlp.up_proj.weight", ex.Message);
    }

    [Fact]
    public void Wrong_shape_names_tensor_and_both_shapes()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        var wrong = config with { IntermediateSize = 90 };

        var ex = Assert.Throws<TensorShapeException>(() => new CpuModelRunner(wrong, weights, new CpuRunnerOptions { Threads = 1 }));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", ex.Message);
        Assert.Contains("[88, 64]", ex.Message);
        Assert.Contains("[90, 64]", ex.Message);
    }

    [Fact]
    public void Budget_too_small_for_weights_throws_and_charges_nothing()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        var budget = new MemoryBudget(10_000);

        var ex = Assert.Throws<MemoryBudgetExceededException>(
            () => new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1, Budget = budget }));
        Assert.Contains("weights", ex.Message);
        Assert.Equal(0, budget.UsedBytes);
    }

    [Fact]
    public void Budget_is_charged_for_weights_and_scratch_and_released_on_dispose()
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16);
        using var _ = weights;
        var budget = new MemoryBudget(1L << 30);

        var runner = new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1, Budget = budget });
        Assert.True(budget.UsedBy(MemoryCategory.Weights) >= weights.TotalBytes);
        Assert.True(budget.UsedBy(MemoryCategory.Scratch) >= 64L * config.VocabSize * sizeof(float));
        runner.Dispose();

        Assert.Equal(0, budget.UsedBytes);
    }

    [Fact]
    public void Token_id_outside_vocabulary_is_an_invalid_request()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights);
        harness.Add(0, [3, config.VocabSize]);

        var ex = Assert.Throws<InvalidRequestException>(() => harness.Run());
        Assert.Contains("150", ex.Message);
    }

    [Fact]
    public void Too_many_tokens_names_MaxBatchTokens()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights, new CpuRunnerOptions { Threads = 1, MaxBatchTokens = 4, BlockTokens = 4 });
        harness.Add(0, [1, 2, 3, 4, 5]);

        var ex = Assert.Throws<ArgumentException>(() => harness.Run());
        Assert.Contains("MaxBatchTokens", ex.Message);
    }

    [Fact]
    public void Short_block_table_is_rejected()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights);
        harness.Batch.Add([1, 2, 3, 4, 5], 0, [0], needsLogits: true); // 5 tokens need 2 blocks of 4

        var ex = Assert.Throws<ArgumentException>(() => harness.Run());
        Assert.Contains("block table", ex.Message);
    }

    [Fact]
    public void Hidden_states_are_required_after_layer_zero()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights);
        harness.Add(0, [1, 2]);

        var ex = Assert.Throws<ArgumentException>(() => harness.Runner.Forward(harness.Batch, new LayerRange(1, 3)));
        Assert.Contains("hiddenIn", ex.Message);
    }
}
