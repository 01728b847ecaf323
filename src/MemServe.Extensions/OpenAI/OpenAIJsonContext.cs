using System.Text.Json.Serialization;

namespace MemServe.Extensions.OpenAI;

/// <summary>Source-generated JSON metadata for the OpenAI request bodies (snake_case, case-sensitive).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(DetokenizeRequest))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext;
