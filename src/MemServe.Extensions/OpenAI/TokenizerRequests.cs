using System.Text.Json;
using System.Text.Json.Serialization;

namespace MemServe.Extensions.OpenAI;

// Request bodies of the vLLM-style tokenizer endpoints, read with OpenAIJsonContext (snake_case); undeclared
// fields are refused like those of the OpenAI endpoints (OpenAIUndeclaredFields).

/// <summary>Body of <c>POST /tokenize</c>: <see cref="Prompt"/> or <see cref="Messages"/> (rendered with the chat
/// template), never both.</summary>
internal sealed class TokenizeRequest
{
    public string? Model { get; set; }
    public string? Prompt { get; set; }
    public List<ChatMessageRequest>? Messages { get; set; }

    /// <summary>Default true for <see cref="Prompt"/>, false for <see cref="Messages"/> (the template writes them), as vLLM.</summary>
    public bool? AddSpecialTokens { get; set; }

    /// <summary>For <see cref="Messages"/>: end with the assistant turn's opening. Default true.</summary>
    public bool AddGenerationPrompt { get; set; } = true;

    [JsonExtensionData] public Dictionary<string, JsonElement>? UndeclaredFields { get; set; }
}

/// <summary>Body of <c>POST /detokenize</c>.</summary>
internal sealed class DetokenizeRequest
{
    public string? Model { get; set; }
    public List<int>? Tokens { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? UndeclaredFields { get; set; }
}
