namespace MemServe.Core.Tests.Model;

/// <summary>Realistic config.json texts (abridged from the shapes of public checkpoints).</summary>
internal static class ConfigJsonSamples
{
    public const string Llama = """
        {
          "architectures": ["LlamaForCausalLM"],
          "model_type": "llama",
          "hidden_size": 2048,
          "intermediate_size": 8192,
          "num_hidden_layers": 16,
          "num_attention_heads": 32,
          "num_key_value_heads": 8,
          "vocab_size": 128256,
          "max_position_embeddings": 131072,
          "rms_norm_eps": 1e-05,
          "rope_theta": 500000.0,
          "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "tie_word_embeddings": true,
          "attention_bias": false,
          "bos_token_id": 128000,
          "eos_token_id": [128001, 128008, 128009],
          "torch_dtype": "bfloat16"
        }
        """;

    public const string Mistral = """
        {
          "model_type": "mistral",
          "hidden_size": 4096,
          "intermediate_size": 14336,
          "num_hidden_layers": 32,
          "num_attention_heads": 32,
          "num_key_value_heads": 8,
          "vocab_size": 32768,
          "max_position_embeddings": 32768,
          "rms_norm_eps": 1e-05,
          "rope_theta": 1000000.0,
          "sliding_window": null,
          "bos_token_id": 1,
          "eos_token_id": 2,
          "torch_dtype": "bfloat16"
        }
        """;

    public const string Qwen2 = """
        {
          "model_type": "qwen2",
          "hidden_size": 896,
          "intermediate_size": 4864,
          "num_hidden_layers": 24,
          "num_attention_heads": 14,
          "num_key_value_heads": 2,
          "vocab_size": 151936,
          "max_position_embeddings": 32768,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "sliding_window": 32768,
          "use_sliding_window": false,
          "max_window_layers": 21,
          "tie_word_embeddings": true,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "torch_dtype": "bfloat16"
        }
        """;

    public const string Qwen3 = """
        {
          "model_type": "qwen3",
          "hidden_size": 1024,
          "intermediate_size": 3072,
          "num_hidden_layers": 28,
          "num_attention_heads": 16,
          "num_key_value_heads": 8,
          "head_dim": 128,
          "vocab_size": 151936,
          "max_position_embeddings": 40960,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000,
          "rope_scaling": null,
          "attention_bias": false,
          "use_sliding_window": false,
          "sliding_window": null,
          "tie_word_embeddings": true,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "torch_dtype": "bfloat16"
        }
        """;

    /// <summary>A minimal valid llama config with <paramref name="extra"/> fields spliced in (leading comma included by caller).</summary>
    public static string MinimalLlama(string extra = "") => """
        {
          "model_type": "llama",
          "hidden_size": 64,
          "intermediate_size": 128,
          "num_hidden_layers": 2,
          "num_attention_heads": 4,
          "vocab_size": 100,
          "max_position_embeddings": 256,
          "rms_norm_eps": 1e-5
        """ + extra + "\n}";

    /// <summary>The minimal llama config with one field removed.</summary>
    public static string MinimalLlamaWithout(string field)
    {
        string[] lines = MinimalLlama().Split('\n');
        var kept = new List<string>();
        foreach (string line in lines)
        {
            if (!line.Contains($"\"{field}\"", StringComparison.Ordinal)) kept.Add(line);
        }
        string text = string.Join('\n', kept);
        // Repair a trailing comma left before the closing brace.
        int close = text.LastIndexOf('}');
        string body = text[..close].TrimEnd();
        if (body.EndsWith(',')) body = body[..^1];
        return body + "\n}";
    }

    /// <summary>The minimal llama config with <paramref name="field"/>'s value replaced by <paramref name="json"/>.</summary>
    public static string MinimalLlamaWith(string field, string json) =>
        MinimalLlamaWithout(field).TrimEnd().TrimEnd('}') + $",\n  \"{field}\": {json}\n}}";
}
