namespace MemServe.Extensions;

/// <summary>
/// Turns chat messages into the prompt text of one model with the model's chat template
/// (tokenizer_config.json of the model folder; the embedded default model's ChatML template otherwise),
/// ending with the assistant's generation prompt. Immutable and thread-safe.
/// </summary>
internal sealed class ChatPromptRenderer
{
    private ChatPromptRenderer()
    {
    }

    /// <summary>The renderer of the model in <paramref name="modelDirectory"/> (null: the default model).</summary>
    public static ChatPromptRenderer ForModel(string? modelDirectory)
    {
        _ = modelDirectory;
        return new ChatPromptRenderer();
    }

    /// <summary>Renders (role, content) pairs, adding the generation prompt.</summary>
    public string Render(IReadOnlyList<KeyValuePair<string, string?>> messages)
    {
        _ = messages;
        throw new NotSupportedException("Chat templates are not available yet.");
    }
}
