namespace MemServe.Model;

/// <summary>
/// The model embedded in MemServe, so the library runs with no download: a Llama-architecture decoder
/// (hidden 512, 8 layers, 8 query heads, 4 KV heads, head_dim 64, MLP 1408, untied LM head, ≈27M
/// parameters) with deterministic pseudo-random BF16 weights and a small byte-level BPE tokenizer
/// learned from an embedded English text. Its output is not meaningful language; it exercises every
/// code path (loading, tokenization, caching, batching, streaming) at a size that starts in a moment.
/// Everything here is computed once, lazily, and is identical on every machine. Thread-safe.
/// </summary>
public static class DefaultModel
{
    /// <summary>Longest context of the default model (tokens).</summary>
    public const int MaxPositionEmbeddings = 2048;

    private static readonly Lazy<ModelConfig> s_config = new(BuildConfig);

    /// <summary>The model's name, as reported by engines and the OpenAI-compatible endpoints.</summary>
    public static string Name => "memserve-default";

    /// <summary>
    /// The architecture. Vocabulary size, bos and eos come from the default tokenizer: bos is
    /// <c>&lt;|begin_of_text|&gt;</c>; eos is <c>&lt;|end_of_text|&gt;</c> then <c>&lt;|im_end|&gt;</c>.
    /// </summary>
    public static ModelConfig Config => s_config.Value;

    /// <summary>Hugging Face tokenizer.json text of the default byte-level BPE tokenizer.</summary>
    public static string TokenizerJson => DefaultTokenizer.Instance.TokenizerJson;

    /// <summary>Hugging Face tokenizer_config.json text: bos/eos tokens and a ChatML chat template.</summary>
    public static string TokenizerConfigJson => DefaultTokenizer.Instance.TokenizerConfigJson;

    /// <summary>
    /// Generates the weights (BF16, Hugging Face names, shapes <c>[out, in]</c>). Every call returns
    /// identical bytes in a new source, which the caller owns and must dispose. Takes well under a second.
    /// </summary>
    public static InMemoryTensorSource CreateWeights() => DefaultWeights.Create(Config);

    /// <summary>
    /// Writes the model as a Hugging Face folder: config.json, generation_config.json,
    /// model.safetensors, tokenizer.json and tokenizer_config.json. The directory is created when
    /// missing; existing files of those names are overwritten. <see cref="ModelConfigLoader.Load"/>
    /// and <see cref="SafetensorsCheckpoint.Open"/> read it back to an equal config and identical tensors.
    /// </summary>
    public static void Export(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), ModelConfigWriter.ToConfigJson(Config));
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), ModelConfigWriter.ToGenerationConfigJson(Config));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson);
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), TokenizerConfigJson);
        using InMemoryTensorSource weights = CreateWeights();
        SafetensorsWriter.Write(
            Path.Combine(directory, SafetensorsCheckpoint.SingleFileName),
            weights,
            new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static ModelConfig BuildConfig()
    {
        DefaultTokenizer tokenizer = DefaultTokenizer.Instance;
        return new ModelConfig
        {
            ModelType = "llama",
            HiddenSize = 512,
            IntermediateSize = 1408,
            NumLayers = 8,
            NumHeads = 8,
            NumKvHeads = 4,
            HeadDim = 64,
            VocabSize = tokenizer.VocabSize,
            MaxPositionEmbeddings = MaxPositionEmbeddings,
            RmsNormEps = 1e-5,
            RopeTheta = 10000.0,
            RopeScaling = RopeScaling.None,
            TieWordEmbeddings = false,
            AttentionBias = false,
            QkNorm = false,
            BosTokenId = tokenizer.BeginOfTextId,
            EosTokenIds = [tokenizer.EndOfTextId, tokenizer.ImEndId],
            TorchDtype = "bfloat16",
        };
    }
}
