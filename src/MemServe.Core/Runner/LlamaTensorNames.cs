namespace MemServe.Runner;

/// <summary>
/// The Hugging Face checkpoint names of Llama-family tensors (llama, mistral, qwen2, qwen3). The only
/// place in the runner that spells them.
/// </summary>
public static class LlamaTensorNames
{
    /// <summary>Token embedding, [vocab, hidden].</summary>
    public const string Embedding = "model.embed_tokens.weight";

    /// <summary>Final RMSNorm weight, [hidden].</summary>
    public const string FinalNorm = "model.norm.weight";

    /// <summary>LM head, [vocab, hidden] (absent when embeddings are tied).</summary>
    public const string LmHead = "lm_head.weight";

    /// <summary>Attention projection <paramref name="proj"/> ("q", "k", "v" or "o") weight of <paramref name="layer"/>.</summary>
    public static string AttentionWeight(int layer, char proj) => $"model.layers.{layer}.self_attn.{proj}_proj.weight";

    /// <summary>Attention projection bias (q, k, v when the config has attention bias).</summary>
    public static string AttentionBias(int layer, char proj) => $"model.layers.{layer}.self_attn.{proj}_proj.bias";

    /// <summary>Per-head RMSNorm weight on q or k (qwen3), [head_dim].</summary>
    public static string QkNorm(int layer, char proj) => $"model.layers.{layer}.self_attn.{proj}_norm.weight";

    /// <summary>MLP projection <paramref name="proj"/> ("gate", "up" or "down") weight.</summary>
    public static string Mlp(int layer, string proj) => $"model.layers.{layer}.mlp.{proj}_proj.weight";

    /// <summary>RMSNorm before attention, [hidden].</summary>
    public static string InputNorm(int layer) => $"model.layers.{layer}.input_layernorm.weight";

    /// <summary>RMSNorm before the MLP, [hidden].</summary>
    public static string PostAttentionNorm(int layer) => $"model.layers.{layer}.post_attention_layernorm.weight";

    /// <summary>The name a checkpoint saved from the bare decoder (<c>*Model</c> rather than <c>*ForCausalLM</c>, as
    /// Qwen3-Embedding's are) uses for <paramref name="name"/>: without the <c>model.</c> prefix; null when the name
    /// has none (the LM head).</summary>
    public static string? BaseModelName(string name) => name.StartsWith("model.", StringComparison.Ordinal) ? name[6..] : null;
}
