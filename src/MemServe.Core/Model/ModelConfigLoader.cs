using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// Reads a Hugging Face <c>config.json</c> (plus the eos list of <c>generation_config.json</c>) into a
/// <see cref="ModelConfig"/>. Supported <c>model_type</c>s: <c>llama</c>, <c>mistral</c>, <c>qwen2</c>
/// (q/k/v biases) and <c>qwen3</c> (per-head q/k RMSNorm, explicit <c>head_dim</c>).
/// </summary>
/// <remarks>
/// Mistral's <c>sliding_window</c> is honoured (<see cref="ModelConfig.SlidingWindow"/>: a token attends
/// to the last <c>sliding_window</c> positions, itself included, as Hugging Face masks it); a window at
/// least as long as the context is full attention and is dropped. qwen2/qwen3 apply their window only to
/// some layers (<c>max_window_layers</c>); such a config (<c>use_sliding_window</c> true) is rejected,
/// otherwise their <c>sliding_window</c> field is inert.
/// </remarks>
public static class ModelConfigLoader
{
    /// <summary>The model types this loader accepts.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama", "mistral", "qwen2", "qwen3"];

    /// <summary>Reads <c>config.json</c> and, when present, <c>generation_config.json</c> from <paramref name="directory"/>.</summary>
    /// <exception cref="ModelConfigException">config.json is missing or unreadable, malformed, or has an invalid field.</exception>
    /// <exception cref="UnsupportedModelException">The model type or a feature it uses is not supported.</exception>
    public static ModelConfig Load(string directory)
    {
        string configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
        {
            throw new ModelConfigException($"Model config not found: '{configPath}' does not exist.");
        }
        string configJson = ReadText(configPath);
        string generationPath = Path.Combine(directory, "generation_config.json");
        string? generationJson = File.Exists(generationPath) ? ReadText(generationPath) : null;
        return Parse(configJson, generationJson, configPath, generationPath);
    }

    /// <summary>Parses config.json text (and optional generation_config.json text).</summary>
    /// <param name="configJson">The config.json contents.</param>
    /// <param name="generationConfigJson">The generation_config.json contents, or null.</param>
    /// <param name="sourceName">Names config.json in error messages.</param>
    /// <exception cref="ModelConfigException">Malformed JSON or an invalid field.</exception>
    /// <exception cref="UnsupportedModelException">The model type or a feature it uses is not supported.</exception>
    public static ModelConfig Parse(string configJson, string? generationConfigJson = null, string sourceName = "config.json") =>
        Parse(configJson, generationConfigJson, sourceName, "generation_config.json");

    private static ModelConfig Parse(string configJson, string? generationJson, string sourceName, string generationName)
    {
        using JsonDocument configDoc = ParseDocument(configJson, sourceName);
        using JsonDocument? generationDoc = generationJson is null ? null : ParseDocument(generationJson, generationName);
        var config = new ConfigFields(configDoc.RootElement, sourceName);
        var generation = generationDoc is null ? (ConfigFields?)null : new ConfigFields(generationDoc.RootElement, generationName);

        string modelType = config.OptionalString("model_type") ?? throw config.Error("model_type", "is missing");
        bool supported = false;
        foreach (string type in SupportedModelTypes) supported |= type == modelType;
        if (!supported)
        {
            throw new UnsupportedModelException(
                $"{sourceName}: model_type '{modelType}' is not supported; supported model types are {string.Join(", ", SupportedModelTypes)}.");
        }

        int hidden = config.RequiredPositiveInt("hidden_size");
        int heads = config.RequiredPositiveInt("num_attention_heads");
        int kvHeads = config.OptionalPositiveInt("num_key_value_heads") ?? heads;
        if (heads % kvHeads != 0)
        {
            throw config.Error("num_key_value_heads", $"({kvHeads}) must divide num_attention_heads ({heads})");
        }
        int? explicitHeadDim = config.OptionalPositiveInt("head_dim");
        if (explicitHeadDim is null && hidden % heads != 0)
        {
            throw config.Error("num_attention_heads", $"({heads}) must divide hidden_size ({hidden}) when head_dim is not given");
        }
        int maxPositions = config.RequiredPositiveInt("max_position_embeddings");
        CheckSlidingWindow(config, modelType, maxPositions);

        var eos = new List<int>();
        config.AddTokenIds("eos_token_id", eos);
        generation?.AddTokenIds("eos_token_id", eos);

        return new ModelConfig
        {
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = config.RequiredPositiveInt("intermediate_size"),
            NumLayers = config.RequiredPositiveInt("num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = explicitHeadDim ?? hidden / heads,
            VocabSize = config.RequiredPositiveInt("vocab_size"),
            MaxPositionEmbeddings = maxPositions,
            RmsNormEps = config.RequiredPositiveDouble("rms_norm_eps"),
            RopeTheta = config.OptionalPositiveDouble("rope_theta", 10000.0),
            RopeScaling = RopeScalingParser.Parse(config),
            TieWordEmbeddings = config.OptionalBool("tie_word_embeddings", false),
            AttentionBias = modelType == "qwen2" || (modelType != "mistral" && config.OptionalBool("attention_bias", false)),
            QkNorm = modelType == "qwen3",
            BosTokenId = config.OptionalTokenId("bos_token_id") ?? generation?.OptionalTokenId("bos_token_id"),
            EosTokenIds = eos.ToArray(),
            SlidingWindow = SlidingWindow(config, modelType, maxPositions),
            TorchDtype = config.OptionalString("torch_dtype") ?? config.OptionalString("dtype"),
        };
    }

    private static void CheckSlidingWindow(ConfigFields config, string modelType, int maxPositions)
    {
        if (modelType is "qwen2" or "qwen3")
        {
            if (config.OptionalBool("use_sliding_window", false))
            {
                throw new UnsupportedModelException(
                    $"{config.SourceName}: use_sliding_window is true; sliding-window attention is not supported.");
            }
        }
    }

    // Mistral's sliding window (a window as long as the context changes nothing, so it is dropped).
    private static int? SlidingWindow(ConfigFields config, string modelType, int maxPositions) =>
        modelType == "mistral" && config.OptionalPositiveInt("sliding_window") is int w && w < maxPositions ? w : null;

    private static JsonDocument ParseDocument(string json, string sourceName)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ModelConfigException(
                $"{sourceName} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", ex);
        }
        JsonValueKind kind = doc.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new ModelConfigException($"{sourceName} must hold a JSON object, found {kind}.");
        }
        return doc;
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            throw new ModelConfigException($"Cannot read '{path}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ModelConfigException($"Cannot read '{path}': {ex.Message}", ex);
        }
    }
}
