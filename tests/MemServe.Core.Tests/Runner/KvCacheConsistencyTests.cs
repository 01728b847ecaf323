using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>Decode with the paged KV cache, chunked prefill and mixed batches agree with full recompute.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class KvCacheConsistencyTests
{
    [Theory]
    [InlineData("llama", DType.BF16)]
    [InlineData("qwen3", DType.F16)]
    [InlineData("qwen2", DType.F32)]
    public void Decoding_one_token_at_a_time_matches_full_recompute(string kind, DType dtype) =>
        AssertDecodeMatchesRecompute(kind, dtype, options: null, relative: 1e-3);

    /// <summary>A tiny model decodes 14 tokens one at a time through the paged cache; every step's logits must be
    /// within <paramref name="relative"/> of the reference's full recompute.</summary>
    internal static void AssertDecodeMatchesRecompute(string kind, DType dtype, CpuRunnerOptions? options, double relative)
    {
        var (config, weights) = TinyModels.Create(kind, dtype);
        using var _ = weights;
        using var harness = new RunnerHarness(config, weights, options);
        int[] tokens = TinyModels.Tokens(14, config.VocabSize, seed: 5);
        float[][] expected = new ReferenceModel(config, weights).Forward(tokens);

        for (int i = 0; i < tokens.Length; i++)
        {
            LogitAssert.Close(expected[i], harness.Step(0, [tokens[i]]), relative, context: $"{kind} {dtype} position {i}");
        }
    }

    [Fact]
    public void Chunked_prefill_matches_one_shot_prefill()
    {
        var (config, weights) = TinyModels.Create("llama", DType.BF16);
        using var _ = weights;
        using var oneShot = new RunnerHarness(config, weights);
        using var chunked = new RunnerHarness(config, weights);
        int[] prompt = TinyModels.Tokens(19, config.VocabSize, seed: 9);

        float[] expected = oneShot.Step(0, prompt);
        chunked.Step(0, prompt[..5]);
        chunked.Step(0, prompt[5..12]);
        float[] actual = chunked.Step(0, prompt[12..]);

        LogitAssert.Close(expected, actual, relative: 1e-4);
    }

    [Fact]
    public void Mixed_prefill_and_decode_batch_matches_each_sequence_alone()
    {
        var (config, weights) = TinyModels.Create("mistral", DType.F16);
        using var _ = weights;
        using var batched = new RunnerHarness(config, weights);
        using var alone = new RunnerHarness(config, weights);
        int[] a = TinyModels.Tokens(7, config.VocabSize, 1), b = TinyModels.Tokens(3, config.VocabSize, 2);
        int[] c = TinyModels.Tokens(12, config.VocabSize, 3);
        batched.Step(0, a);
        batched.Step(1, b);

        // Sequence 0 decodes one token, sequence 1 prefills a chunk, sequence 2 prefills its whole prompt.
        batched.Add(0, [42]);
        batched.Add(1, [1, 2, 3, 4, 5]);
        batched.Add(2, c);
        float[]?[] mixed = batched.Run();

        alone.Step(0, a);
        LogitAssert.Close(alone.Step(0, [42]), mixed[0]!, relative: 1e-4, context: "decode");
        alone.Step(1, b);
        LogitAssert.Close(alone.Step(1, [1, 2, 3, 4, 5]), mixed[1]!, relative: 1e-4, context: "chunk");
        LogitAssert.Close(alone.Step(2, c), mixed[2]!, relative: 1e-4, context: "prefill");
    }
}
