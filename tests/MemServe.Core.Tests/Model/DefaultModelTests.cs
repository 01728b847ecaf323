using System.Diagnostics;
using MemServe.Model;

namespace MemServe.Core.Tests.Model;

/// <summary>One set of default weights shared by the tests that only read them (generation takes ~0.3 s).</summary>
public sealed class DefaultWeightsFixture : IDisposable
{
    public InMemoryTensorSource Weights { get; } = DefaultModel.CreateWeights();

    public void Dispose() => Weights.Dispose();
}

public class DefaultModelTests(DefaultWeightsFixture fixture) : IClassFixture<DefaultWeightsFixture>
{
    private static long ParameterCount(ITensorSource source)
    {
        long total = 0;
        foreach (string name in source.TensorNames)
        {
            source.TryGetTensor(name, out TensorRef tensor);
            total += tensor.ElementCount;
        }
        return total;
    }

    [Fact]
    public void Config_is_the_documented_llama_architecture()
    {
        ModelConfig config = DefaultModel.Config;

        Assert.Equal("llama", config.ModelType);
        Assert.Equal(512, config.HiddenSize);
        Assert.Equal(8, config.NumLayers);
        Assert.Equal(8, config.NumHeads);
        Assert.Equal(4, config.NumKvHeads);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(1408, config.IntermediateSize);
        Assert.Equal(2048, config.MaxPositionEmbeddings);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(DefaultTokenizer.Instance.VocabSize, config.VocabSize);
        Assert.Equal(DefaultTokenizer.Instance.BeginOfTextId, config.BosTokenId);
        Assert.Equal([DefaultTokenizer.Instance.EndOfTextId, DefaultTokenizer.Instance.ImEndId], config.EosTokenIds);
    }

    [Fact]
    public void Weights_have_every_llama_tensor_in_bf16_with_linear_shapes()
    {
        ModelConfig config = DefaultModel.Config;
        InMemoryTensorSource weights = fixture.Weights;

        Assert.Equal(2 + 9 * config.NumLayers + 1, weights.TensorNames.Count());
        Assert.True(weights.TryGetTensor("model.layers.7.self_attn.k_proj.weight", out TensorRef k));
        Assert.Equal([256L, 512L], k.Shape);
        Assert.True(weights.TryGetTensor("model.layers.0.mlp.down_proj.weight", out TensorRef down));
        Assert.Equal([512L, 1408L], down.Shape);
        Assert.True(weights.TryGetTensor("lm_head.weight", out TensorRef head));
        Assert.Equal([(long)config.VocabSize, 512L], head.Shape);
        Assert.True(weights.TryGetTensor("model.norm.weight", out TensorRef norm));
        Assert.Equal(1f, HalfPrecision.BF16ToFloat(BitConverter.ToUInt16(norm.Bytes)));
        foreach (string name in weights.TensorNames)
        {
            weights.TryGetTensor(name, out TensorRef tensor);
            Assert.Equal(DType.BF16, tensor.DType);
        }
    }

    [Fact]
    public void Parameter_count_is_between_20M_and_120M()
    {
        InMemoryTensorSource weights = fixture.Weights;

        long parameters = ParameterCount(weights);

        Assert.InRange(parameters, 20_000_000, 120_000_000);
    }

    [Fact]
    public void Weights_are_deterministic_and_quick_to_generate()
    {
        InMemoryTensorSource a = fixture.Weights;
        var clock = Stopwatch.StartNew();
        using InMemoryTensorSource b = DefaultModel.CreateWeights();
        // ~0.2 s on an idle machine; the bound only catches a gross regression on a shared, loaded one.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"generation took {clock.Elapsed}");

        foreach (string name in a.TensorNames)
        {
            a.TryGetTensor(name, out TensorRef x);
            Assert.True(b.TryGetTensor(name, out TensorRef y));
            Assert.True(x.Bytes.SequenceEqual(y.Bytes), name);
        }
    }

    [Fact]
    public void Projection_weights_have_the_intended_scale()
    {
        InMemoryTensorSource weights = fixture.Weights;
        weights.TryGetTensor("model.layers.3.mlp.up_proj.weight", out TensorRef up);
        var values = new float[up.ElementCount];

        HalfPrecision.ConvertToF32(up.Bytes, DType.BF16, values);

        double sum = 0, squares = 0;
        foreach (float v in values)
        {
            sum += v;
            squares += (double)v * v;
        }
        double mean = sum / values.Length;
        double std = Math.Sqrt(squares / values.Length - mean * mean);
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.019, 0.021);
    }

    [Fact]
    public void Export_reads_back_to_an_equal_config_and_identical_tensors()
    {
        using var dir = new TempDirectory();

        DefaultModel.Export(dir.Path);
        ModelConfig loaded = ModelConfigLoader.Load(dir.Path);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        InMemoryTensorSource weights = fixture.Weights;

        int[] none = [];
        Assert.Equal(DefaultModel.Config with { EosTokenIds = none }, loaded with { EosTokenIds = none });
        Assert.Equal(DefaultModel.Config.EosTokenIds, loaded.EosTokenIds);
        Assert.Equal(weights.TotalBytes, checkpoint.TotalBytes);
        foreach (string name in weights.TensorNames)
        {
            weights.TryGetTensor(name, out TensorRef expected);
            Assert.True(checkpoint.TryGetTensor(name, out TensorRef actual), name);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.True(expected.Bytes.SequenceEqual(actual.Bytes), name);
        }
        Assert.Equal(DefaultModel.TokenizerJson, File.ReadAllText(dir.File("tokenizer.json")));
        Assert.Equal(DefaultModel.TokenizerConfigJson, File.ReadAllText(dir.File("tokenizer_config.json")));
    }
}
