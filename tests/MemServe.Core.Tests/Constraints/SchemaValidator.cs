using System.Text.Json;

namespace MemServe.Core.Tests.Constraints;

/// <summary>A small JSON Schema validator for exactly the subset the constraint compiler supports (oneOf is checked
/// as anyOf, as the compiler treats it). Returns null when valid, else the path of the first violation.</summary>
internal static class SchemaValidator
{
    public static string? Validate(JsonElement value, JsonElement schema) => Check(value, schema, schema, "$");

    private static string? Check(JsonElement value, JsonElement schema, JsonElement root, string path)
    {
        if (schema.ValueKind == JsonValueKind.True) return null;
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var target = root;
            foreach (string part in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
                target = target.GetProperty(part);
            return Check(value, target, root, path);
        }
        foreach (string keyword in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(keyword, out var options))
            {
                foreach (var option in options.EnumerateArray())
                {
                    if (Check(value, option, root, path) is null) return null;
                }
                return path + " matches no " + keyword;
            }
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(value, constant))
            return path + " != const";
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(value, v)))
            return path + " not in enum";
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!types.Any(t => IsType(value, t)))
                return path + " is not " + string.Join("|", types);
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray())
                {
                    if (!value.TryGetProperty(name.GetString()!, out _)) return $"{path} lacks {name}";
                }
            }
            foreach (var member in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var sub))
                {
                    if (Check(member.Value, sub, root, $"{path}.{member.Name}") is { } error) return error;
                }
                else if (schema.TryGetProperty("additionalProperties", out var extra))
                {
                    if (extra.ValueKind == JsonValueKind.False) return $"{path}.{member.Name} is not allowed";
                    if (Check(member.Value, extra, root, $"{path}.{member.Name}") is { } error) return error;
                }
            }
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            int n = value.GetArrayLength();
            if (schema.TryGetProperty("minItems", out var min) && n < min.GetInt32()) return path + " too short";
            if (schema.TryGetProperty("maxItems", out var max) && n > max.GetInt32()) return path + " too long";
            if (schema.TryGetProperty("items", out var items))
            {
                int i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (Check(item, items, root, $"{path}[{i++}]") is { } error) return error;
                }
            }
        }
        return null;
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}
