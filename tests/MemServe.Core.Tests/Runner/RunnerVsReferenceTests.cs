using MemServe.Model;

namespace MemServe.Core.Tests.Runner;

/// <summary>The fast runner against the slow reference, for every tiny architecture and dtype.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class RunnerVsReferenceTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllCases), MemberType = typeof(TinyModels))]
    public void Prefill_last_logits_match_reference(string kind, DType dtype)
    {
        var (config, weights) = TinyModels.Create(kind, dtype);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights);
        int[] prompt = TinyModels.Tokens(11, config.VocabSize, seed: 7);

        float[] actual = harness.Step(0, prompt);

        float[][] expected = new ReferenceModel(config, weights).Forward(prompt);
        LogitAssert.Close(expected[^1], actual, context: $"{kind} {dtype}");
    }

    [Theory]
    [MemberData(nameof(TinyModels.AllCases), MemberType = typeof(TinyModels))]
    public void Batch_of_sequences_needing_logits_matches_reference(string kind, DType dtype)
    {
        var (config, weights) = TinyModels.Create(kind, dtype, seed: 3);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights);
        var reference = new ReferenceModel(config, weights);
        int[][] prompts = [TinyModels.Tokens(5, config.VocabSize, 1), TinyModels.Tokens(9, config.VocabSize, 2), TinyModels.Tokens(2, config.VocabSize, 3)];

        for (int s = 0; s < prompts.Length; s++) harness.Add(s, prompts[s], needsLogits: s != 1);
        float[]?[] actual = harness.Run();

        Assert.Null(actual[1]);
        LogitAssert.Close(reference.Forward(prompts[0])[^1], actual[0]!, context: $"{kind} {dtype} seq 0");
        LogitAssert.Close(reference.Forward(prompts[2])[^1], actual[2]!, context: $"{kind} {dtype} seq 2");
    }

    [Fact]
    public void Sliding_window_skips_whole_blocks_like_the_reference()
    {
        var (config, weights) = TinyModels.Create("mistral", DType.F32, seed: 4);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights);
        int[] prompt = TinyModels.Tokens(41, config.VocabSize, seed: 11); // the window (5) starts in the third block

        float[] actual = harness.Step(0, prompt);

        float[][] expected = new ReferenceModel(config, weights).Forward(prompt);
        LogitAssert.Close(expected[^1], actual, context: "mistral sliding window over 41 tokens");
        float[][] unwindowed = new ReferenceModel(config with { SlidingWindow = null }, weights).Forward(prompt);
        Assert.True(MaxAbsDiff(unwindowed[^1], expected[^1]) > 1e-4, "the window must change the result for this prompt");
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
