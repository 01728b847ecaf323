using MemServe.Chat;
using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Extensions;

/// <summary>A ready engine and what goes with it. Immutable; thread-safe.</summary>
internal sealed class MemServeLoadedEngine
{
    private readonly Lazy<ChatTemplate> _chatTemplate;

    /// <param name="engine">The engine as the container hands it out (metered).</param>
    /// <param name="modelDirectory">The model folder, or null for the embedded default model.</param>
    /// <param name="loadedAt">When loading finished (the <c>created</c> time of <c>/v1/models</c>).</param>
    /// <param name="sharedWeights">Weights shared by a cluster's in-process instances, disposed by the owner after the engine.</param>
    /// <param name="contextTokens">Most tokens (prompt + output) one request may reach; null: the model's
    /// <c>max_position_embeddings</c>.</param>
    public MemServeLoadedEngine(ILlmEngine engine, string? modelDirectory, DateTimeOffset loadedAt, IDisposable? sharedWeights = null,
        int? contextTokens = null)
    {
        ContextTokens = contextTokens ?? engine.ModelInfo.Config.MaxPositionEmbeddings;
        SharedWeights = sharedWeights;
        Engine = engine;
        ModelDirectory = modelDirectory;
        LoadedAt = loadedAt;
        _chatTemplate = new Lazy<ChatTemplate>(() => modelDirectory is null
            ? ChatTemplate.FromConfigJson(DefaultModel.TokenizerConfigJson)
            : ChatTemplate.Load(modelDirectory));
    }

    /// <summary>The engine as the container hands it out (metered).</summary>
    public ILlmEngine Engine { get; }

    /// <summary>The model folder, or null for the embedded default model.</summary>
    public string? ModelDirectory { get; }

    /// <summary>Weights shared by a cluster's in-process instances (null otherwise); disposed after <see cref="Engine"/>.</summary>
    public IDisposable? SharedWeights { get; }

    /// <summary>Most tokens (prompt + output) one request may reach: the <c>max_model_len</c> of
    /// <c>/tokenize</c> and the limit of <c>context_length_exceeded</c>.</summary>
    public int ContextTokens { get; }

    /// <summary>When loading finished.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The model's chat template (tokenizer_config.json of the folder, ChatML when it has none; the
    /// default model's own otherwise), read on first use; a parse error repeats on every use.</summary>
    public ChatTemplate ChatTemplate => _chatTemplate.Value;
}
