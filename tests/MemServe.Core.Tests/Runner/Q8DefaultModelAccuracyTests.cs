using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;
using Xunit.Abstractions;

namespace MemServe.Core.Tests.Runner;

/// <summary>
/// The accuracy cost of int8 weights on the embedded default model (BF16 weights): the q8 runner against the
/// BF16 runner on a few prompts, greedy decoding continued for some steps on each. Prints the max logit
/// difference and greedy agreement (quoted in docs/performance.md); asserts loose bounds only.
/// </summary>
[Collection(nameof(NativeMemoryCollection))]
public class Q8DefaultModelAccuracyTests(ITestOutputHelper output)
{
    private const int Steps = 16;

    [Fact]
    public void Q8_logits_stay_close_to_bf16_on_the_default_model()
    {
        ModelConfig config = DefaultModel.Config;
        using InMemoryTensorSource weights = DefaultModel.CreateWeights();
        using var bf16 = new RunnerHarness(config, weights, new CpuRunnerOptions { Threads = 2, BlockTokens = 16 }, blockCount: 64);
        using var q8 = new RunnerHarness(config, weights, new CpuRunnerOptions { Threads = 2, BlockTokens = 16, QuantizeWeightsToQ8 = true }, blockCount: 64);
        double maxDiff = 0, maxScale = 0;
        int agree = 0, total = 0;

        for (int p = 0; p < 4; p++)
        {
            int[] prompt = TinyModels.Tokens(12 + 5 * p, config.VocabSize, seed: 40 + p);
            float[] a = bf16.Step(p, prompt), b = q8.Step(p, prompt);
            for (int step = 0; step < Steps; step++)
            {
                for (int i = 0; i < a.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - b[i]));
                foreach (float v in a) maxScale = Math.Max(maxScale, Math.Abs(v));
                int next = LogitAssert.ArgMax(a);
                if (next == LogitAssert.ArgMax(b)) agree++;
                total++;
                // Both continue with the BF16 choice, so every step compares the same context.
                a = bf16.Step(p, [next]);
                b = q8.Step(p, [next]);
            }
        }

        output.WriteLine($"q8 vs bf16 on the default model: max |logit diff| {maxDiff:F4} (max |logit| {maxScale:F2}), greedy agreement {agree}/{total}");
        Assert.True(maxDiff <= 0.1 * Math.Max(1, maxScale), $"max logit diff {maxDiff}");
        Assert.True(agree >= total * 0.8, $"greedy agreement {agree}/{total}");
    }
}
