using System.Text.Json;
using MemServe.Core.Tests.Integration;
using MemServe.Model;

namespace MemServe.Core.Tests.Bench;

/// <summary><c>memserve bench</c> on the hidden tiny shape: the JSON fields exist and are plausible (no timing thresholds).</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class BenchCommandTests
{
    [Theory]
    [InlineData("bf16", "bf16")]
    [InlineData("q8", "bf16")]
    [InlineData("f32", "f32")]
    public void Json_output_has_every_field(string dtype, string kvDType)
    {
        // The KV cache follows the weights by default: BF16 for 16-bit weights (q8 is quantized from BF16), F32 for F32.
        List<JsonElement> lines = CliRunner.RunJsonLines("bench", "--shape", "tiny", "--dtype", dtype, "--threads", "2",
            "--prompt", "20", "--gen", "6", "--batch", "1,3", "--batch-prompt", "5", "--batch-gen", "6", "--runs", "1",
            "--bandwidth-mb", "8", "--json");

        JsonElement r = Assert.Single(lines);
        Assert.Equal("tiny", r.GetProperty("shape").GetString());
        Assert.Equal(dtype, r.GetProperty("dtype").GetString());
        Assert.Equal(2, r.GetProperty("threads").GetInt32());
        Assert.Equal(kvDType, r.GetProperty("kv_dtype").GetString());
        Assert.True(r.GetProperty("weights_bytes").GetInt64() > 0);
        foreach (string field in new[] { "prefill_tok_s", "decode_tok_s", "bandwidth_gb_s", "decode_roofline_fraction",
                     "weights_bandwidth_gb_s", "decode_weights_roofline_fraction" })
        {
            Assert.True(r.GetProperty(field).GetDouble() > 0, field);
        }
        Assert.True(r.GetProperty("peak_rss_bytes").GetInt64() > 0);
        JsonElement[] batched = [.. r.GetProperty("batched").EnumerateArray()];
        Assert.Equal([1, 3], batched.Select(b => b.GetProperty("batch").GetInt32()));
        Assert.All(batched, b => Assert.True(b.GetProperty("decode_tok_s").GetDouble() > 0));
    }

    [Fact]
    public void The_decode_read_set_is_every_layer_matrix_and_the_head()
    {
        ModelConfig tiny = ModelShapes.Get("tiny");
        using InMemoryTensorSource weights = RandomWeights.Create(tiny, DType.BF16);
        using var runner = new MemServe.Runner.CpuModelRunner(tiny, weights, new MemServe.Runner.CpuRunnerOptions { Threads = 1 });

        long bytes = runner.DecodeReadRegions().Sum(r => r.Bytes);

        // Tied embeddings: the head is the embedding matrix, read once per token; norms are not counted. The runner packs
        // the matrices into 32-row panels, so each matrix's rows are rounded up to a whole panel.
        static long Rows(int rows) => (rows + 31) / 32 * 32L;
        long h = tiny.HiddenSize, f = tiny.IntermediateSize;
        long layer = Rows(tiny.QueryDim) * h + 2 * Rows(tiny.KvDim) * h + Rows(tiny.HiddenSize) * tiny.QueryDim
            + 2 * Rows(tiny.IntermediateSize) * h + Rows(tiny.HiddenSize) * f;
        Assert.Equal((tiny.NumLayers * layer + Rows(tiny.VocabSize) * h) * 2, bytes);
    }

    [Fact]
    public void Needs_a_model_or_a_shape()
    {
        var (code, _, error) = CliRunner.Run("bench", "--json");

        Assert.Equal(2, code);
        Assert.Contains("--shape", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_match_the_baseline_parameter_counts()
    {
        Assert.Equal(134_515_008, ModelShapes.ParameterCount(ModelShapes.Get("S")));
        Assert.Equal(494_005_120, ModelShapes.ParameterCount(ModelShapes.Get("M")));
        Assert.Equal(1_100_048_384, ModelShapes.ParameterCount(ModelShapes.Get("L")));
    }

    [Fact]
    public void Random_weights_are_deterministic()
    {
        ModelConfig tiny = ModelShapes.Get("tiny");
        using InMemoryTensorSource a = RandomWeights.Create(tiny, DType.BF16), b = RandomWeights.Create(tiny, DType.BF16);

        a.TryGetTensor("model.layers.1.mlp.down_proj.weight", out TensorRef ta);
        b.TryGetTensor("model.layers.1.mlp.down_proj.weight", out TensorRef tb);
        Assert.True(ta.Bytes.SequenceEqual(tb.Bytes));
        Assert.Equal(a.TotalBytes, b.TotalBytes);
    }
}
