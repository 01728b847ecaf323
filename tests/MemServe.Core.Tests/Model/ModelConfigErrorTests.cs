using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class ModelConfigErrorTests
{
    [Fact]
    public void Missing_config_file_names_the_path()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Load(dir.Path));

        Assert.Contains(dir.File("config.json"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_names_the_file_and_position()
    {
        using var dir = new TempDirectory();
        dir.WriteText("config.json", "{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 64 64\n}");

        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Load(dir.Path));

        Assert.Contains(dir.File("config.json"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_generation_config_names_that_file()
    {
        using var dir = new TempDirectory();
        dir.WriteText("config.json", ConfigJsonSamples.MinimalLlama());
        dir.WriteText("generation_config.json", "{ \"eos_token_id\": [1, }");

        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Load(dir.Path));

        Assert.Contains("generation_config.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_that_is_not_an_object_is_rejected()
    {
        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Parse("[1, 2]", sourceName: "my/config.json"));

        Assert.Contains("my/config.json", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model_type")]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("vocab_size")]
    [InlineData("max_position_embeddings")]
    [InlineData("rms_norm_eps")]
    public void Missing_required_field_is_named(string field)
    {
        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Parse(ConfigJsonSamples.MinimalLlamaWithout(field)));

        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hidden_size", "0")]
    [InlineData("hidden_size", "-64")]
    [InlineData("hidden_size", "\"64\"")]
    [InlineData("hidden_size", "64.5")]
    [InlineData("num_hidden_layers", "true")]
    [InlineData("vocab_size", "0")]
    [InlineData("rms_norm_eps", "0")]
    [InlineData("rms_norm_eps", "\"small\"")]
    public void Invalid_required_field_is_named(string field, string value)
    {
        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Parse(ConfigJsonSamples.MinimalLlamaWith(field, value)));

        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",\"num_key_value_heads\": 0", "num_key_value_heads")]
    [InlineData(",\"head_dim\": -1", "head_dim")]
    [InlineData(",\"rope_theta\": -5", "rope_theta")]
    [InlineData(",\"tie_word_embeddings\": 1", "tie_word_embeddings")]
    [InlineData(",\"eos_token_id\": [1, \"x\"]", "eos_token_id")]
    [InlineData(",\"bos_token_id\": -1", "bos_token_id")]
    [InlineData(",\"rope_scaling\": 3", "rope_scaling")]
    [InlineData(",\"rope_scaling\": {\"factor\": 2.0}", "rope_scaling")]
    [InlineData(",\"rope_scaling\": {\"type\": \"linear\"}", "rope_scaling.factor")]
    [InlineData(",\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}", "rope_scaling.low_freq_factor")]
    [InlineData(",\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192}", "rope_scaling.high_freq_factor")]
    public void Invalid_optional_field_is_named(string extra, string field)
    {
        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Parse(ConfigJsonSamples.MinimalLlama(extra)));

        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Heads_not_divisible_by_kv_heads_is_rejected()
    {
        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Parse(ConfigJsonSamples.MinimalLlama(",\"num_key_value_heads\": 3")));

        Assert.Contains("num_key_value_heads", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hidden_not_divisible_by_heads_without_head_dim_is_rejected()
    {
        string json = ConfigJsonSamples.MinimalLlamaWith("num_attention_heads", "6");

        var ex = Assert.Throws<ModelConfigException>(() => ModelConfigLoader.Parse(json));

        Assert.Contains("hidden_size", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hidden_not_divisible_by_heads_is_fine_with_an_explicit_head_dim()
    {
        string json = ConfigJsonSamples.MinimalLlamaWith("num_attention_heads", "6") + "";
        json = json.TrimEnd().TrimEnd('}') + ",\"head_dim\": 32}";

        Assert.Equal(32, ModelConfigLoader.Parse(json).HeadDim);
    }

    [Fact]
    public void Unsupported_model_type_is_named_with_the_supported_list()
    {
        string json = ConfigJsonSamples.MinimalLlama().Replace("\"llama\"", "\"gpt_neox\"", StringComparison.Ordinal);

        var ex = Assert.Throws<UnsupportedModelException>(() => ModelConfigLoader.Parse(json));

        Assert.Contains("gpt_neox", ex.Message, StringComparison.Ordinal);
        Assert.Contains("llama, mistral, qwen2, qwen3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yarn")]
    [InlineData("dynamic")]
    [InlineData("longrope")]
    public void Unsupported_rope_scaling_type_is_named(string kind)
    {
        string json = ConfigJsonSamples.MinimalLlama($",\"rope_scaling\": {{\"rope_type\": \"{kind}\", \"factor\": 4.0}}");

        var ex = Assert.Throws<UnsupportedModelException>(() => ModelConfigLoader.Parse(json));

        Assert.Contains($"'{kind}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen2_with_use_sliding_window_is_unsupported()
    {
        string json = ConfigJsonSamples.Qwen2.Replace("\"use_sliding_window\": false", "\"use_sliding_window\": true", StringComparison.Ordinal);

        var ex = Assert.Throws<UnsupportedModelException>(() => ModelConfigLoader.Parse(json));

        Assert.Contains("use_sliding_window", ex.Message, StringComparison.Ordinal);
    }
}
