using System.Text.Json;
using System.Text.Json.Serialization;

namespace MemServe.Extensions.OpenAI;

// Request bodies of the OpenAI-compatible endpoints, read with OpenAIJsonContext (snake_case). Fields
// MemServe does not declare land in UndeclaredFields and are refused (OpenAIUndeclaredFields, 400
// unsupported_parameter); declared ones with unsupported values are refused by OpenAIRequestMapper.

/// <summary>Body of <c>POST /v1/completions</c>.</summary>
internal sealed class CompletionRequest : SamplingRequest
{
    public JsonElement Prompt { get; set; }
    public bool? Echo { get; set; }
    public int? BestOf { get; set; }
    public string? Suffix { get; set; }
    public int? Logprobs { get; set; }
}

/// <summary>Body of <c>POST /v1/chat/completions</c>.</summary>
internal sealed class ChatCompletionRequest : SamplingRequest
{
    public List<ChatMessageRequest>? Messages { get; set; }
    public int? MaxCompletionTokens { get; set; }
    public bool? Logprobs { get; set; }
    public int? TopLogprobs { get; set; }
    public JsonElement Tools { get; set; }
    public JsonElement ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    public JsonElement Functions { get; set; }
    public JsonElement FunctionCall { get; set; }
    public bool AddGenerationPrompt { get; set; } = true;
}

/// <summary>One message of a chat request; <see cref="Content"/> is a string or an array of text parts.</summary>
internal sealed class ChatMessageRequest
{
    public string? Role { get; set; }
    public JsonElement Content { get; set; }
    public JsonElement ToolCalls { get; set; }
    public JsonElement ToolCallId { get; set; }
    public JsonElement Name { get; set; }
    public JsonElement FunctionCall { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? UndeclaredFields { get; set; }
}

/// <summary><c>stream_options</c>.</summary>
internal sealed class StreamOptionsRequest
{
    public bool? IncludeUsage { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? UndeclaredFields { get; set; }
}

/// <summary>The fields both endpoints share.</summary>
internal abstract class SamplingRequest
{
    public string? Model { get; set; }
    public int? MaxTokens { get; set; }
    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    public int? TopK { get; set; }
    public float? MinP { get; set; }
    public float? RepetitionPenalty { get; set; }
    public float? FrequencyPenalty { get; set; }
    public float? PresencePenalty { get; set; }
    public long? Seed { get; set; }
    public int? N { get; set; }
    public JsonElement LogitBias { get; set; }
    public JsonElement Stop { get; set; }
    public bool? IgnoreEos { get; set; }
    public bool Stream { get; set; }
    public StreamOptionsRequest? StreamOptions { get; set; }
    public JsonElement ResponseFormat { get; set; }
    public string? Grammar { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? UndeclaredFields { get; set; }
}
