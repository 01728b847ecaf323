namespace MemServe.Model;

/// <summary>
/// The architecture of a Llama-family checkpoint, read from config.json (and the eos list of
/// generation_config.json). Immutable; one instance is shared by the runner, the engine and the
/// cache. Supported <see cref="ModelType"/>s: <c>llama</c>, <c>mistral</c>, <c>qwen2</c> (q/k/v biases)
/// and <c>qwen3</c> (per-head q/k RMSNorm, explicit head_dim).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>config.json <c>model_type</c>.</summary>
    public required string ModelType { get; init; }
    /// <summary>Width of the residual stream.</summary>
    public required int HiddenSize { get; init; }
    /// <summary>Width of the SwiGLU MLP.</summary>
    public required int IntermediateSize { get; init; }
    /// <summary>Number of decoder layers.</summary>
    public required int NumLayers { get; init; }
    /// <summary>Number of query heads.</summary>
    public required int NumHeads { get; init; }
    /// <summary>Number of key/value heads (GQA when fewer than <see cref="NumHeads"/>).</summary>
    public required int NumKvHeads { get; init; }
    /// <summary>Per-head width; config <c>head_dim</c>, else hidden_size / num_attention_heads.</summary>
    public required int HeadDim { get; init; }
    /// <summary>Rows of the embedding and of the LM head.</summary>
    public required int VocabSize { get; init; }
    /// <summary>Longest context the model supports (tokens).</summary>
    public required int MaxPositionEmbeddings { get; init; }
    /// <summary>RMSNorm epsilon.</summary>
    public required double RmsNormEps { get; init; }
    /// <summary>RoPE base.</summary>
    public required double RopeTheta { get; init; }
    /// <summary>RoPE frequency scaling.</summary>
    public RopeScaling RopeScaling { get; init; } = RopeScaling.None;
    /// <summary>True when the LM head reuses the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary>q/k/v projections carry biases (qwen2; llama's <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Per-head RMSNorm on q and k before RoPE (qwen3).</summary>
    public bool QkNorm { get; init; }
    /// <summary>Sliding-window attention (mistral <c>sliding_window</c>): a token attends to itself and the
    /// previous <c>SlidingWindow - 1</c> tokens; null attends to the whole context.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Beginning-of-sequence token, when the model has one.</summary>
    public int? BosTokenId { get; init; }
    /// <summary>End-of-sequence tokens (config eos_token_id plus generation_config's list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary>config.json <c>torch_dtype</c> (informational; tensors carry their own dtype).</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Width of all query heads together (NumHeads × HeadDim).</summary>
    public int QueryDim => NumHeads * HeadDim;
    /// <summary>Width of all key (or value) heads together (NumKvHeads × HeadDim).</summary>
    public int KvDim => NumKvHeads * HeadDim;
}
