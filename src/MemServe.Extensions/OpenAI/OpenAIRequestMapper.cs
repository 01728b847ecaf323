using System.Text;
using System.Text.Json;
using MemServe.Chat;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Checks OpenAI request bodies and turns them into <see cref="GenerationRequest"/>s. Ranges follow the
/// OpenAI API; what the engine checks itself (prompt length, token ids) is left to it. Every error is an
/// <see cref="OpenAIException"/> naming the field in <c>param</c>. Stateless.
/// </summary>
internal static class OpenAIRequestMapper
{
    /// <summary>OpenAI's default <c>max_tokens</c> of the legacy completions endpoint.</summary>
    public const int DefaultCompletionMaxTokens = 16;

    public static GenerationRequest ToGenerationRequest(CompletionRequest body)
    {
        if (body.Echo == true) throw OpenAIException.Unsupported("echo");
        if (body.BestOf is > 1) throw OpenAIException.Unsupported("best_of", "best_of other than 1 is not supported.");
        if (!string.IsNullOrEmpty(body.Suffix)) throw OpenAIException.Unsupported("suffix");
        if (body.Logprobs is { } top && (uint)top > GenerationRequest.MaxTopLogprobs)
            throw OpenAIException.BadRequest($"logprobs must be between 0 and {GenerationRequest.MaxTopLogprobs} (got {top}).", "logprobs");
        GenerationRequest request = Common(body, body.MaxTokens ?? DefaultCompletionMaxTokens) with { Logprobs = body.Logprobs };
        JsonElement prompt = body.Prompt;
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind is JsonValueKind.String or JsonValueKind.Array)
            prompt = prompt[0];
        return prompt.ValueKind switch
        {
            JsonValueKind.String => request with { Prompt = prompt.GetString() },
            JsonValueKind.Array when IsTokenArray(prompt) => request with { PromptTokenIds = TokenIds(prompt) },
            JsonValueKind.Array => throw OpenAIException.BadRequest("Only one prompt per request is supported.", "prompt"),
            JsonValueKind.Undefined or JsonValueKind.Null => throw OpenAIException.BadRequest("prompt is required.", "prompt"),
            _ => throw OpenAIException.BadRequest("prompt must be a string or an array of token ids.", "prompt"),
        };
    }

    /// <summary>The request of a chat body, its messages rendered with <paramref name="template"/>.</summary>
    public static GenerationRequest ToGenerationRequest(ChatCompletionRequest body, Func<ChatTemplate> template) =>
        ToChatRequest(body, template).Request;

    /// <summary>
    /// The request of a chat body and its tool plan (see <see cref="OpenAIToolMapper"/>): messages, tool calls and tool
    /// results rendered with <paramref name="template"/>, its <c>tools</c> variable set when tools are offered, and
    /// for a forced call the grammar applied through <see cref="ToolCallConstraint.Apply"/>.
    /// </summary>
    public static MappedChatRequest ToChatRequest(ChatCompletionRequest body, Func<ChatTemplate> template)
    {
        if (body.TopLogprobs is { } top)
        {
            if (body.Logprobs != true) throw OpenAIException.BadRequest("top_logprobs requires logprobs: true.", "top_logprobs");
            if ((uint)top > GenerationRequest.MaxTopLogprobs)
                throw OpenAIException.BadRequest($"top_logprobs must be between 0 and {GenerationRequest.MaxTopLogprobs} (got {top}).", "top_logprobs");
        }
        OpenAIToolMapper.RefuseLegacy(body);
        if (body.Messages is not { Count: > 0 } messages) throw OpenAIException.BadRequest("messages must contain at least one message.", "messages");
        var turns = new List<ChatMessage>(messages.Count);
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessageRequest message = messages[i];
            string role = message.Role switch
            {
                "system" or "developer" => "system",
                "user" or "assistant" or "tool" => message.Role,
                _ => throw OpenAIException.BadRequest($"messages[{i}].role '{message.Role}' is not one of system, developer, user, assistant, tool.", $"messages[{i}].role"),
            };
            Dictionary<string, object?>? extra = OpenAIToolMapper.MessageExtra(message, i, role, callNames);
            string? content = Content(message.Content, i);
            // Templates concatenate content; an assistant turn that only calls tools reads as empty text.
            if (content is null && extra?.ContainsKey("tool_calls") == true) content = "";
            turns.Add(new ChatMessage(role, content) { Extra = extra });
        }
        ChatTemplate chatTemplate = template();
        ChatToolPlan? tools = OpenAIToolMapper.Plan(body, chatTemplate, out List<JsonElement>? toolsVariable);
        Dictionary<string, object?>? variables = toolsVariable is null ? null : new() { ["tools"] = toolsVariable };
        GenerationRequest request = Common(body, body.MaxCompletionTokens ?? body.MaxTokens ?? new GenerationRequest().MaxTokens);
        request = request with
        {
            Prompt = chatTemplate.Render(turns, body.AddGenerationPrompt, variables),
            AddSpecialTokens = false,
            Logprobs = body.Logprobs == true ? body.TopLogprobs ?? 0 : null,
        };
        if (tools?.ForcedGrammar is { } grammar) request = ToolCallConstraint.Apply(request, grammar);
        return new MappedChatRequest(request, tools);
    }

    private static GenerationRequest Common(SamplingRequest body, int maxTokens)
    {
        if (body.N is { } n && (n < 1 || n > GenerationRequest.MaxChoices))
            throw OpenAIException.BadRequest($"n must be between 1 and {GenerationRequest.MaxChoices} (got {n}).", "n");
        if (maxTokens < 1) throw OpenAIException.BadRequest($"max_tokens must be at least 1 (got {maxTokens}).", "max_tokens");
        Range(body.Temperature, 0, 2, "temperature");
        if (body.TopP is { } topP && !(topP > 0 && topP <= 1)) throw OpenAIException.BadRequest($"top_p must be in (0, 1] (got {topP}).", "top_p");
        if (body.TopK is < 0) throw OpenAIException.BadRequest($"top_k must be 0 (off) or more (got {body.TopK}).", "top_k");
        Range(body.MinP, 0, 1, "min_p");
        Range(body.FrequencyPenalty, -2, 2, "frequency_penalty");
        Range(body.PresencePenalty, -2, 2, "presence_penalty");
        if (body.RepetitionPenalty is { } rep && !(rep > 0 && float.IsFinite(rep)))
            throw OpenAIException.BadRequest($"repetition_penalty must be > 0 (got {rep}).", "repetition_penalty");

        SamplingParameters d = SamplingParameters.Default;
        return new GenerationRequest
        {
            N = body.N ?? 1,
            MaxTokens = maxTokens,
            StopStrings = Stops(body.Stop),
            IgnoreEos = body.IgnoreEos ?? false,
            WaitForAdmission = false,
            Constraint = OpenAIOutputConstraint.From(body.ResponseFormat, body.Grammar),
            Sampling = new SamplingParameters
            {
                Temperature = body.Temperature ?? d.Temperature,
                TopP = body.TopP ?? d.TopP,
                TopK = body.TopK ?? d.TopK,
                MinP = body.MinP ?? d.MinP,
                RepetitionPenalty = body.RepetitionPenalty ?? d.RepetitionPenalty,
                FrequencyPenalty = body.FrequencyPenalty ?? d.FrequencyPenalty,
                PresencePenalty = body.PresencePenalty ?? d.PresencePenalty,
                Seed = body.Seed,
                LogitBias = LogitBias(body.LogitBias),
            },
        };
    }

    // OpenAI logit_bias: {"token id": bias in [-100, 100]}; the engine checks the ids against the vocabulary.
    private static Dictionary<int, float>? LogitBias(JsonElement bias)
    {
        if (bias.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return null;
        if (bias.ValueKind != JsonValueKind.Object)
            throw OpenAIException.BadRequest("logit_bias must be an object mapping token ids to biases.", "logit_bias");
        var map = new Dictionary<int, float>();
        foreach (JsonProperty entry in bias.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                throw OpenAIException.BadRequest($"logit_bias key '{entry.Name}' is not a token id.", $"logit_bias.{entry.Name}");
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetSingle(out float value)
                || !(Math.Abs(value) <= SamplingParameters.MaxLogitBias))
            {
                throw OpenAIException.BadRequest(
                    $"logit_bias['{entry.Name}'] must be a number between -{SamplingParameters.MaxLogitBias} and {SamplingParameters.MaxLogitBias}.",
                    $"logit_bias.{entry.Name}");
            }
            map[id] = value;
        }
        return map.Count > 0 ? map : null;
    }

    private static void Range(float? value, float min, float max, string param)
    {
        if (value is { } v && !(v >= min && v <= max))
            throw OpenAIException.BadRequest($"{param} must be between {min} and {max} (got {v}).", param);
    }

    private static string[] Stops(JsonElement stop)
    {
        switch (stop.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return [];
            case JsonValueKind.String:
                return NonEmpty(stop.GetString()!, "stop");
            case JsonValueKind.Array:
                var stops = new string[stop.GetArrayLength()];
                for (int i = 0; i < stops.Length; i++)
                {
                    if (stop[i].ValueKind != JsonValueKind.String || stop[i].GetString() is not { Length: > 0 } s)
                        throw OpenAIException.BadRequest($"stop[{i}] must be a non-empty string.", "stop");
                    stops[i] = s;
                }
                return stops;
            default:
                throw OpenAIException.BadRequest("stop must be a string or an array of strings.", "stop");
        }
    }

    private static string[] NonEmpty(string value, string param) =>
        value.Length > 0 ? [value] : throw OpenAIException.BadRequest($"{param} must not be empty.", param);

    private static string? Content(JsonElement content, int index)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (JsonElement part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out JsonElement type) || type.ValueEquals("text") is false
                        || !part.TryGetProperty("text", out JsonElement partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        throw OpenAIException.BadRequest($"messages[{index}].content: only text parts are supported.", $"messages[{index}].content");
                    }
                    text.Append(partText.GetString());
                }
                return text.ToString();
            default:
                throw OpenAIException.BadRequest($"messages[{index}].content must be a string or an array of text parts.", $"messages[{index}].content");
        }
    }

    private static bool IsTokenArray(JsonElement array)
    {
        if (array.GetArrayLength() == 0) return false;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number) return false;
        }
        return true;
    }

    private static int[] TokenIds(JsonElement array)
    {
        var ids = new int[array.GetArrayLength()];
        for (int i = 0; i < ids.Length; i++)
        {
            if (!array[i].TryGetInt32(out ids[i])) throw OpenAIException.BadRequest($"prompt[{i}] is not a token id.", "prompt");
        }
        return ids;
    }
}
