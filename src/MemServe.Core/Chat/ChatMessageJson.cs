using System.Text;
using System.Text.Json;

namespace MemServe.Chat;

/// <summary>
/// Reads an OpenAI-style message array: <c>[{"role": "user", "content": "..."}, ...]</c>. Content may be a string,
/// null, or an array of parts of which the <c>{"type": "text", "text": "..."}</c> ones are joined (other part types
/// are rejected). Every other key (<c>tool_calls</c>, <c>name</c>, <c>tool_call_id</c>, <c>reasoning_content</c>, ...)
/// goes to <see cref="ChatMessage.Extra"/> as a <see cref="JsonElement"/>.
/// </summary>
internal static class ChatMessageJson
{
    /// <summary>Parses the array; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidRequestException">The text is not a JSON array of message objects.</exception>
    public static List<ChatMessage> ParseArray(string json, string source)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidRequestException($"{source}: expected a JSON array of messages, found {document.RootElement.ValueKind}");
            var messages = new List<ChatMessage>();
            int index = 0;
            foreach (JsonElement element in document.RootElement.EnumerateArray())
                messages.Add(ParseMessage(element, $"{source}: message {index++}"));
            return messages;
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException($"{source} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static ChatMessage ParseMessage(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new InvalidRequestException($"{where}: expected an object with \"role\" and \"content\"");
        if (!element.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String)
            throw new InvalidRequestException($"{where}: \"role\" must be a string");
        string? content = element.TryGetProperty("content", out JsonElement c) ? ContentText(c, where) : null;
        Dictionary<string, object?>? extra = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Name is "role" or "content") continue;
            extra ??= new Dictionary<string, object?>(StringComparer.Ordinal);
            extra[property.Name] = property.Value.Clone();
        }
        return new ChatMessage(role.GetString()!, content) { Extra = extra };
    }

    private static string? ContentText(JsonElement content, string where)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String: return content.GetString();
            case JsonValueKind.Null: return null;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (JsonElement part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object
                        || !part.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"
                        || !part.TryGetProperty("text", out JsonElement partText) || partText.ValueKind != JsonValueKind.String)
                        throw new InvalidRequestException($"{where}: only {{\"type\": \"text\", \"text\": ...}} content parts are supported");
                    text.Append(partText.GetString());
                }
                return text.ToString();
            default:
                throw new InvalidRequestException($"{where}: \"content\" must be a string, null or an array of text parts");
        }
    }
}
