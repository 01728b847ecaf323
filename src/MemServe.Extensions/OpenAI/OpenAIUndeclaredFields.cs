using System.Text.Json;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// The refusal policy for request fields the server does not declare: each one answers 400 with code
/// <c>unsupported_parameter</c> and <c>param</c> naming it (the first found), so that no field is ever
/// silently ignored. The only exceptions, accepted and ignored, are <see cref="IsIgnorable"/>'s: a field set
/// to JSON <c>null</c> (the same as leaving it out), <c>user</c> (an end-user id, meaningful only to
/// OpenAI's abuse monitoring) and <c>store</c> = <c>false</c> (MemServe stores nothing). Stateless.
/// </summary>
internal static class OpenAIUndeclaredFields
{
    /// <summary>Refuses the first undeclared field of <paramref name="body"/>, of its messages and of its
    /// <c>stream_options</c>.</summary>
    /// <exception cref="OpenAIException">400 <c>unsupported_parameter</c> naming the field.</exception>
    public static void Refuse(SamplingRequest body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Refuse(body.UndeclaredFields, prefix: null);
        Refuse(body.StreamOptions?.UndeclaredFields, "stream_options.");
        if (body is ChatCompletionRequest chat) Refuse(chat.Messages);
    }

    /// <summary>Refuses the first undeclared field of a message (param <c>messages[i].name</c>) or of one of its
    /// text content parts (<c>messages[i].content[j].cache_control</c>; parts of other types are refused whole
    /// by <see cref="OpenAIRequestMapper"/>).</summary>
    public static void Refuse(List<ChatMessageRequest>? messages)
    {
        if (messages is null) return;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not { } message) continue;
            Refuse(message.UndeclaredFields, $"messages[{i}].");
            if (message.Content.ValueKind != JsonValueKind.Array) continue;
            int j = 0;
            foreach (JsonElement part in message.Content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out JsonElement type) && type.ValueEquals("text"))
                {
                    foreach (JsonProperty field in part.EnumerateObject())
                    {
                        if (field.Name is "type" or "text" || field.Value.ValueKind == JsonValueKind.Null) continue;
                        string param = $"messages[{i}].content[{j}].{field.Name}";
                        throw OpenAIException.Unsupported(param,
                            $"'{param}' is not supported by this server (it would be ignored, so it is refused); remove it from the request.");
                    }
                }
                j++;
            }
        }
    }

    /// <summary>Refuses the first field of <paramref name="fields"/> that <see cref="IsIgnorable"/> does not
    /// accept; <paramref name="prefix"/> (e.g. <c>messages[2].</c>) is put before its name in <c>param</c>.</summary>
    public static void Refuse(Dictionary<string, JsonElement>? fields, string? prefix)
    {
        if (fields is null) return;
        foreach ((string name, JsonElement value) in fields)
        {
            if (prefix is null && IsIgnorable(name, value)) continue;
            if (prefix is not null && value.ValueKind == JsonValueKind.Null) continue;
            string param = prefix + name;
            throw OpenAIException.Unsupported(param,
                $"'{param}' is not supported by this server (it would be ignored, so it is refused); remove it from the request.");
        }
    }

    /// <summary>True for the top-level fields accepted without effect: any field set to <c>null</c>,
    /// <c>user</c> (a string) and <c>store</c> = <c>false</c>.</summary>
    public static bool IsIgnorable(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Null
        || (name == "user" && value.ValueKind == JsonValueKind.String)
        || (name == "store" && value.ValueKind == JsonValueKind.False);
}
