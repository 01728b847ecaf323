using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class ModelConfigLoaderTests
{
    [Fact]
    public void Llama3_config_is_read_with_llama3_rope_scaling()
    {
        ModelConfig config = ModelConfigLoader.Parse(ConfigJsonSamples.Llama);

        Assert.Equal("llama", config.ModelType);
        Assert.Equal(2048, config.HiddenSize);
        Assert.Equal(8192, config.IntermediateSize);
        Assert.Equal(16, config.NumLayers);
        Assert.Equal(32, config.NumHeads);
        Assert.Equal(8, config.NumKvHeads);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(128256, config.VocabSize);
        Assert.Equal(131072, config.MaxPositionEmbeddings);
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(500000.0, config.RopeTheta);
        Assert.Equal(new RopeScaling(RopeScalingKind.Llama3, 32.0, 1.0, 4.0, 8192), config.RopeScaling);
        Assert.True(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.False(config.QkNorm);
        Assert.Equal(128000, config.BosTokenId);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        Assert.Equal("bfloat16", config.TorchDtype);
    }

    [Fact]
    public void Mistral_without_sliding_window_is_plain_attention()
    {
        ModelConfig config = ModelConfigLoader.Parse(ConfigJsonSamples.Mistral);

        Assert.Equal("mistral", config.ModelType);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(RopeScaling.None, config.RopeScaling);
        Assert.False(config.AttentionBias);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal([2], config.EosTokenIds);
    }

    [Fact]
    public void Mistral_window_at_least_the_context_is_accepted()
    {
        string json = ConfigJsonSamples.Mistral.Replace("\"sliding_window\": null", "\"sliding_window\": 32768", StringComparison.Ordinal);

        ModelConfig config = ModelConfigLoader.Parse(json);

        Assert.Equal(32768, config.MaxPositionEmbeddings);
        Assert.Null(config.SlidingWindow);
    }

    [Fact]
    public void Mistral_window_shorter_than_the_context_is_kept()
    {
        string json = ConfigJsonSamples.Mistral.Replace("\"sliding_window\": null", "\"sliding_window\": 4096", StringComparison.Ordinal);

        ModelConfig config = ModelConfigLoader.Parse(json);

        Assert.Equal(4096, config.SlidingWindow);
    }

    [Fact]
    public void Qwen2_has_attention_bias_and_ignores_an_unused_sliding_window()
    {
        ModelConfig config = ModelConfigLoader.Parse(ConfigJsonSamples.Qwen2);

        Assert.True(config.AttentionBias);
        Assert.False(config.QkNorm);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(2, config.NumKvHeads);
    }

    [Fact]
    public void Qwen3_has_qk_norm_and_an_explicit_head_dim()
    {
        ModelConfig config = ModelConfigLoader.Parse(ConfigJsonSamples.Qwen3);

        Assert.True(config.QkNorm);
        Assert.False(config.AttentionBias);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(2048, config.QueryDim);
        Assert.Equal(1024, config.KvDim);
        Assert.Equal(1000000.0, config.RopeTheta);
    }

    [Fact]
    public void Defaults_apply_when_optional_fields_are_absent()
    {
        ModelConfig config = ModelConfigLoader.Parse(ConfigJsonSamples.MinimalLlama());

        Assert.Equal(4, config.NumKvHeads);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Equal(RopeScaling.None, config.RopeScaling);
        Assert.False(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Null(config.BosTokenId);
        Assert.Empty(config.EosTokenIds);
        Assert.Null(config.TorchDtype);
    }

    [Fact]
    public void Llama_attention_bias_is_honoured()
    {
        ModelConfig config = ModelConfigLoader.Parse(ConfigJsonSamples.MinimalLlama(",\"attention_bias\": true"));

        Assert.True(config.AttentionBias);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("rope_type")]
    public void Linear_rope_scaling_is_read_from_either_key(string key)
    {
        string json = ConfigJsonSamples.MinimalLlama($",\"rope_scaling\": {{\"{key}\": \"linear\", \"factor\": 2.0}}");

        ModelConfig config = ModelConfigLoader.Parse(json);

        Assert.Equal(new RopeScaling(RopeScalingKind.Linear, Factor: 2.0), config.RopeScaling);
    }

    [Fact]
    public void Default_rope_type_means_no_scaling()
    {
        string json = ConfigJsonSamples.MinimalLlama(",\"rope_scaling\": {\"rope_type\": \"default\"}");

        Assert.Equal(RopeScaling.None, ModelConfigLoader.Parse(json).RopeScaling);
    }

    [Fact]
    public void Eos_ids_merge_config_and_generation_config_in_order_without_duplicates()
    {
        string config = ConfigJsonSamples.MinimalLlama(",\"eos_token_id\": [5, 7]");
        const string generation = """{ "eos_token_id": [7, 9, 5, 11], "bos_token_id": 1 }""";

        ModelConfig parsed = ModelConfigLoader.Parse(config, generation);

        Assert.Equal([5, 7, 9, 11], parsed.EosTokenIds);
    }

    [Fact]
    public void Generation_config_single_eos_is_added()
    {
        string config = ConfigJsonSamples.MinimalLlama(",\"eos_token_id\": 3");

        ModelConfig parsed = ModelConfigLoader.Parse(config, """{ "eos_token_id": 4 }""");

        Assert.Equal([3, 4], parsed.EosTokenIds);
    }

    [Fact]
    public void Load_reads_both_files_from_a_directory()
    {
        using var dir = new TempDirectory();
        dir.WriteText("config.json", ConfigJsonSamples.Qwen3);
        dir.WriteText("generation_config.json", """{ "eos_token_id": [151645, 151643] }""");

        ModelConfig config = ModelConfigLoader.Load(dir.Path);

        Assert.Equal("qwen3", config.ModelType);
        Assert.Equal([151645, 151643], config.EosTokenIds);
    }

    [Fact]
    public void Writer_output_parses_back_to_an_equal_config()
    {
        ModelConfig original = ModelConfigLoader.Parse(ConfigJsonSamples.Llama);

        ModelConfig parsed = ModelConfigLoader.Parse(ModelConfigWriter.ToConfigJson(original));

        int[] none = [];
        Assert.Equal(original with { EosTokenIds = none }, parsed with { EosTokenIds = none });
        Assert.Equal(original.EosTokenIds, parsed.EosTokenIds);
    }
}
