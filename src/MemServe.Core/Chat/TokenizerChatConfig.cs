using System.Text.Json;

namespace MemServe.Chat;

/// <summary>The parts of <c>tokenizer_config.json</c> a chat template needs: the template text and the special tokens.</summary>
internal sealed record TokenizerChatConfig(string? Template, IReadOnlyDictionary<string, string> SpecialTokens)
{
    private static readonly string[] s_specialTokenNames = ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

    /// <summary>Parses the config text; <paramref name="source"/> names it in error messages.</summary>
    public static TokenizerChatConfig Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ChatTemplateException($"{source} is not valid JSON: {ex.Message}", ex);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ChatTemplateException($"{source}: expected a JSON object at the top level");
            var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string name in s_specialTokenNames)
                if (root.TryGetProperty(name, out JsonElement token) && TokenText(token) is string text) tokens[name] = text;
            string? template = root.TryGetProperty("chat_template", out JsonElement t) ? TemplateText(t, source) : null;
            return new TokenizerChatConfig(template, tokens);
        }
    }

    /// <summary>A special token is a string or an AddedToken object <c>{"content": "..."}</c>.</summary>
    private static string? TokenText(JsonElement token) => token.ValueKind switch
    {
        JsonValueKind.String => token.GetString(),
        JsonValueKind.Object when token.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };

    private static string? TemplateText(JsonElement template, string source)
    {
        switch (template.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.String: return template.GetString();
            case JsonValueKind.Array:
                foreach (JsonElement entry in template.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object
                        && entry.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String && name.GetString() == "default"
                        && entry.TryGetProperty("template", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                        return text.GetString();
                }
                throw new ChatTemplateException($"{source}: chat_template is a list of named templates with no entry named 'default'");
            default:
                throw new ChatTemplateException($"{source}: chat_template must be a string or a list of {{name, template}}, found {template.ValueKind}");
        }
    }
}
