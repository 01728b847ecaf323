using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// Typed reads from a tokenizer.json element; every failure is a <see cref="TokenizerFormatException"/>
/// whose message names the source file and the JSON path of the field at fault.
/// </summary>
internal readonly record struct TokenizerJson(string Source)
{
    /// <summary>Builds the exception for a field that is present but wrong.</summary>
    public TokenizerFormatException Error(string path, string problem) =>
        new($"{Source}: field '{path}' {problem}");

    /// <summary>Builds the exception for a component kind this library does not implement.</summary>
    public TokenizerFormatException Unsupported(string path, string? value) =>
        new($"{Source}: field '{path}' has unsupported value '{value}'");

    /// <summary>The property, or null when absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v
            : null;

    /// <summary>The property, which must be present and non-null.</summary>
    public JsonElement Required(JsonElement obj, string name, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object)
            throw Error(path, $"must be an object, found {obj.ValueKind}");
        return Optional(obj, name) ?? throw Error($"{path}.{name}", "is missing");
    }

    /// <summary>The component's "type" string.</summary>
    public string TypeOf(JsonElement obj, string path) => String(Required(obj, "type", path), $"{path}.type");

    /// <summary>The element as a string.</summary>
    public string String(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Error(path, $"must be a string, found {value.ValueKind}");

    /// <summary>An optional string property.</summary>
    public string? OptionalString(JsonElement obj, string name, string path) =>
        Optional(obj, name) is { } v ? String(v, $"{path}.{name}") : null;

    /// <summary>An optional boolean property with a default.</summary>
    public bool Bool(JsonElement obj, string name, string path, bool defaultValue)
    {
        if (Optional(obj, name) is not { } v)
            return defaultValue;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"{path}.{name}", $"must be a boolean, found {v.ValueKind}"),
        };
    }

    /// <summary>The element as a non-negative 32-bit integer.</summary>
    public int Int(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int i) && i >= 0
            ? i
            : throw Error(path, $"must be a non-negative integer, found '{value}'");

    /// <summary>An optional integer property with a default.</summary>
    public int Int(JsonElement obj, string name, string path, int defaultValue) =>
        Optional(obj, name) is { } v ? Int(v, $"{path}.{name}") : defaultValue;

    /// <summary>A required array property.</summary>
    public JsonElement Array(JsonElement obj, string name, string path)
    {
        var v = Required(obj, name, path);
        return v.ValueKind == JsonValueKind.Array ? v : throw Error($"{path}.{name}", $"must be an array, found {v.ValueKind}");
    }

    /// <summary>
    /// A pattern object <c>{"String": "..."}</c> or <c>{"Regex": "..."}</c>; returns the text and whether it is a regex.
    /// </summary>
    public (string Text, bool IsRegex) Pattern(JsonElement obj, string path)
    {
        var p = Required(obj, "pattern", path);
        if (Optional(p, "String") is { } s)
            return (String(s, $"{path}.pattern.String"), false);
        if (Optional(p, "Regex") is { } r)
            return (String(r, $"{path}.pattern.Regex"), true);
        throw Error($"{path}.pattern", "must be {\"String\": ...} or {\"Regex\": ...}");
    }
}
