using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// Writes a <see cref="ModelConfig"/> as Hugging Face <c>config.json</c> / <c>generation_config.json</c>
/// text that <see cref="ModelConfigLoader"/> reads back to an equal config (exports, tests).
/// </summary>
public static class ModelConfigWriter
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true };

    /// <summary>The config.json text for <paramref name="config"/>.</summary>
    public static string ToConfigJson(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, s_options))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue(ArchitectureName(config.ModelType));
            w.WriteEndArray();
            w.WriteString("model_type", config.ModelType);
            w.WriteNumber("hidden_size", config.HiddenSize);
            w.WriteNumber("intermediate_size", config.IntermediateSize);
            w.WriteNumber("num_hidden_layers", config.NumLayers);
            w.WriteNumber("num_attention_heads", config.NumHeads);
            w.WriteNumber("num_key_value_heads", config.NumKvHeads);
            w.WriteNumber("head_dim", config.HeadDim);
            w.WriteNumber("vocab_size", config.VocabSize);
            w.WriteNumber("max_position_embeddings", config.MaxPositionEmbeddings);
            w.WriteNumber("rms_norm_eps", config.RmsNormEps);
            w.WriteNumber("rope_theta", config.RopeTheta);
            WriteRopeScaling(w, config.RopeScaling);
            if (config.SlidingWindow is int window) w.WriteNumber("sliding_window", window);
            w.WriteString("hidden_act", "silu");
            w.WriteBoolean("tie_word_embeddings", config.TieWordEmbeddings);
            w.WriteBoolean("attention_bias", config.AttentionBias);
            if (config.BosTokenId is int bos) w.WriteNumber("bos_token_id", bos);
            WriteEos(w, config.EosTokenIds);
            if (config.TorchDtype is not null) w.WriteString("torch_dtype", config.TorchDtype);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The generation_config.json text for <paramref name="config"/> (bos and the eos list).</summary>
    public static string ToGenerationConfigJson(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, s_options))
        {
            w.WriteStartObject();
            if (config.BosTokenId is int bos) w.WriteNumber("bos_token_id", bos);
            WriteEos(w, config.EosTokenIds);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteEos(Utf8JsonWriter w, IReadOnlyList<int> eos)
    {
        if (eos.Count == 0) return;
        w.WriteStartArray("eos_token_id");
        foreach (int id in eos) w.WriteNumberValue(id);
        w.WriteEndArray();
    }

    private static void WriteRopeScaling(Utf8JsonWriter w, RopeScaling scaling)
    {
        switch (scaling.Kind)
        {
            case RopeScalingKind.None:
                w.WriteNull("rope_scaling");
                break;
            case RopeScalingKind.Linear:
                w.WriteStartObject("rope_scaling");
                w.WriteString("rope_type", "linear");
                w.WriteNumber("factor", scaling.Factor);
                w.WriteEndObject();
                break;
            default:
                w.WriteStartObject("rope_scaling");
                w.WriteString("rope_type", "llama3");
                w.WriteNumber("factor", scaling.Factor);
                w.WriteNumber("low_freq_factor", scaling.LowFreqFactor);
                w.WriteNumber("high_freq_factor", scaling.HighFreqFactor);
                w.WriteNumber("original_max_position_embeddings", scaling.OriginalMaxPositionEmbeddings);
                w.WriteEndObject();
                break;
        }
    }

    private static string ArchitectureName(string modelType) => modelType switch
    {
        "mistral" => "MistralForCausalLM",
        "qwen2" => "Qwen2ForCausalLM",
        "qwen3" => "Qwen3ForCausalLM",
        _ => "LlamaForCausalLM",
    };
}
