using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>
/// The runner with weights quantized to int8 at load against the FP32 reference. Stated tolerance: the
/// max logit difference is at most 6% of the logit scale (max |logit|, at least 1) for every tiny
/// architecture; int8 blocks of 32 round each weight and activation by at most half a step of 1/127 of the
/// block's max. The reference's argmax stays among the q8 runner's top 3.
/// </summary>
[Collection(nameof(NativeMemoryCollection))]
public class Q8RunnerTests
{
    public const double Tolerance = 0.06;

    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (string kind in TinyModels.Kinds) data.Add(kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Q8_prefill_and_decode_stay_within_tolerance_of_f32_reference(string kind)
    {
        var (config, weights) = TinyModels.Create(kind, DType.F32, seed: 5);
        using var _ = weights;
        var options = new CpuRunnerOptions { Threads = 2, BlockTokens = 4, QuantizeWeightsToQ8 = true };
        using var harness = new RunnerHarness(config, weights, options);
        int[] prompt = TinyModels.Tokens(9, config.VocabSize, seed: 4);
        var reference = new ReferenceModel(config, weights);

        float[] prefill = harness.Step(0, prompt);
        float[] decode = harness.Step(0, [prompt[2]]);

        AssertClose(reference.Forward(prompt)[^1], prefill, $"{kind} prefill");
        AssertClose(reference.Forward([.. prompt, prompt[2]])[^1], decode, $"{kind} decode");
    }

    [Fact]
    public void Quantized_runner_charges_its_int8_copy_instead_of_the_source()
    {
        var (config, weights) = TinyModels.Create("llama", DType.F32);
        using var _ = weights;
        using var f32 = new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1 });
        using var q8 = new CpuModelRunner(config, weights, new CpuRunnerOptions { Threads = 1, QuantizeWeightsToQ8 = true });

        Assert.True(q8.WeightBytes < f32.WeightBytes * 0.4, $"q8 {q8.WeightBytes} vs f32 {f32.WeightBytes}");
    }

    private static void AssertClose(float[] expected, float[] actual, string context)
    {
        double scale = 1, maxDiff = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
        Assert.True(maxDiff <= Tolerance * scale, $"{context}: max abs logit diff {maxDiff:G4} exceeds {Tolerance} × {scale:G4}");
        int best = LogitAssert.ArgMax(expected), above = 0;
        foreach (float a in actual) if (a > actual[best]) above++;
        Assert.True(above < 3, $"{context}: reference argmax {best} ranks {above + 1} in the q8 logits");
    }
}
