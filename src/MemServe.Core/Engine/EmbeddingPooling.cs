namespace MemServe.Engine;

/// <summary>How an embedding is pooled from a prompt's final hidden states (after the model's final RMSNorm).</summary>
public enum EmbeddingPooling
{
    /// <summary>The last token's hidden state: the only one that has attended to the whole input in a causal model.
    /// What Qwen3-Embedding (a qwen3 checkpoint; each input ends with <c>&lt;|endoftext|&gt;</c>), gte-Qwen2 and
    /// e5-mistral use. Reuses cached prefix blocks.</summary>
    LastToken = 0,

    /// <summary>The mean over every token's hidden state. Every position is computed (no prefix-cache reuse: the hidden
    /// states of cached positions are not kept).</summary>
    Mean = 1,
}
