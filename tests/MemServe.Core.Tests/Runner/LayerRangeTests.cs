using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>Running layer ranges (pipeline stages) and binding only a range's tensors.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class LayerRangeTests
{
    [Fact]
    public void Two_stage_runners_with_hidden_states_match_the_whole_model()
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16);
        using var _ = weights;
        int[] prompt = TinyModels.Tokens(10, config.VocabSize, seed: 4);
        using var whole = new RunnerHarness(config, weights);
        float[] expected = whole.Step(0, prompt);

        using var first = new CpuModelRunner(config, weights, new CpuRunnerOptions { Layers = new LayerRange(0, 1), Threads = 2 });
        using var second = new CpuModelRunner(config, weights, new CpuRunnerOptions { Layers = new LayerRange(1, 3), Threads = 2 });
        using var kv1 = new KvBlockStorage(first.KvLayout, 8, null);
        using var kv2 = new KvBlockStorage(second.KvLayout, 8, null);
        var batch1 = new ForwardBatch(kv1);
        var batch2 = new ForwardBatch(kv2);
        batch1.Add(prompt, 0, [0, 1], needsLogits: true);
        batch2.Add(prompt, 0, [0, 1], needsLogits: true);

        ForwardOutput mid = first.Forward(batch1, first.Layers);
        Assert.False(mid.HasLogits);
        ForwardOutput end = second.Forward(batch2, second.Layers, mid.Hidden);

        LogitAssert.Close(expected, end.Logits(0).ToArray(), relative: 1e-4);
    }

    [Fact]
    public void One_runner_split_into_two_calls_matches_one_call()
    {
        var (config, weights) = TinyModels.Create("qwen3", DType.F32);
        using var _ = weights;
        int[] prompt = TinyModels.Tokens(6, config.VocabSize, seed: 8);
        using var whole = new RunnerHarness(config, weights);
        float[] expected = whole.Step(0, prompt);

        using var split = new RunnerHarness(config, weights);
        split.Add(0, prompt);
        ForwardOutput mid = split.Runner.Forward(split.Batch, new LayerRange(0, 2));
        ForwardOutput end = split.Runner.Forward(split.Batch, new LayerRange(2, 3), mid.Hidden);

        LogitAssert.Close(expected, end.Logits(0).ToArray(), relative: 1e-4);
    }

    [Fact]
    public void Middle_range_binds_only_its_layers()
    {
        // The source holds layer 1 only: no embedding, no other layers, no norm or head.
        var (config, weights) = TinyModels.Create("qwen2", DType.BF16, skip: name => !name.StartsWith("model.layers.1.", StringComparison.Ordinal));
        using var _ = weights;
        var budget = new MemoryBudget(1L << 30);

        using var runner = new CpuModelRunner(config, weights, new CpuRunnerOptions { Layers = new LayerRange(1, 2), Threads = 1, Budget = budget });

        Assert.Equal(new KvCacheLayout(1, 1, config.NumKvHeads, config.HeadDim, KvCacheLayout.DefaultBlockTokens), runner.KvLayout);
        Assert.True(runner.WeightBytes >= weights.TotalBytes);
        Assert.Equal(runner.WeightBytes, budget.UsedBy(MemoryCategory.Weights));
    }

    [Fact]
    public void Range_outside_the_runner_is_rejected()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        using var runner = new CpuModelRunner(config, weights, new CpuRunnerOptions { Layers = new LayerRange(0, 2), Threads = 1 });
        using var kv = new KvBlockStorage(runner.KvLayout, 4, null);
        var batch = new ForwardBatch(kv);
        batch.Add([1, 2], 0, [0], needsLogits: false);

        var ex = Assert.Throws<ArgumentException>(() => runner.Forward(batch, new LayerRange(1, 3), null));
        Assert.Contains("[1, 3)", ex.Message);
    }
}
