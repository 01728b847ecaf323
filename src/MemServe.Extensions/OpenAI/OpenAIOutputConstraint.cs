using System.Text.Json;
using MemServe.Constraints;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Reads the structured-output fields of a request body — <c>response_format</c> (<c>text</c>,
/// <c>json_object</c>, <c>json_schema</c>) and MemServe's <c>grammar</c> (GBNF, as llama.cpp's server takes it) —
/// into an <see cref="OutputConstraint"/>. A schema keyword or grammar construct the compiler does not handle is a
/// 400 naming it; a schema is never loosened. Stateless.
/// </summary>
internal static class OpenAIOutputConstraint
{
    /// <summary>The constraint the body asks for, or null for free text.</summary>
    public static OutputConstraint? From(JsonElement responseFormat, string? grammar)
    {
        OutputConstraint? fromFormat = FromResponseFormat(responseFormat);
        if (grammar is null) return fromFormat;
        if (fromFormat is not null)
            throw OpenAIException.BadRequest("Set response_format or grammar, not both.", "grammar");
        if (grammar.Length == 0) throw OpenAIException.BadRequest("grammar must not be empty.", "grammar");
        return Compile(() => OutputConstraint.FromGbnf(grammar), "grammar");
    }

    private static OutputConstraint? FromResponseFormat(JsonElement format)
    {
        if (format.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return null;
        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            throw OpenAIException.BadRequest("response_format must be an object with a string 'type'.", "response_format");
        foreach (JsonProperty property in format.EnumerateObject())
        {
            if (property.Name is not ("type" or "json_schema"))
                throw Unsupported($"response_format.{property.Name}");
        }
        switch (type.GetString())
        {
            case "text":
                return null;
            case "json_object":
                return OutputConstraint.JsonObject();
            case "json_schema":
                return FromJsonSchema(format);
            default:
                throw OpenAIException.BadRequest(
                    $"response_format.type '{type.GetString()}' is not one of text, json_object, json_schema.", "response_format.type");
        }
    }

    private static OutputConstraint FromJsonSchema(JsonElement format)
    {
        if (!format.TryGetProperty("json_schema", out JsonElement spec) || spec.ValueKind != JsonValueKind.Object)
            throw OpenAIException.BadRequest("response_format.json_schema must be an object with 'name' and 'schema'.", "response_format.json_schema");
        JsonElement schema = default;
        foreach (JsonProperty property in spec.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name" when property.Value.ValueKind == JsonValueKind.String:
                case "description" when property.Value.ValueKind == JsonValueKind.String:
                    break;
                case "strict" when property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                    break; // MemServe always enforces the schema exactly
                case "schema":
                    schema = property.Value;
                    break;
                case "name" or "description" or "strict":
                    throw OpenAIException.BadRequest($"response_format.json_schema.{property.Name} has the wrong type.", $"response_format.json_schema.{property.Name}");
                default:
                    throw Unsupported($"response_format.json_schema.{property.Name}");
            }
        }
        if (!spec.TryGetProperty("name", out _))
            throw OpenAIException.BadRequest("response_format.json_schema.name is required.", "response_format.json_schema.name");
        if (schema.ValueKind != JsonValueKind.Object)
            throw OpenAIException.BadRequest("response_format.json_schema.schema must be a JSON Schema object.", "response_format.json_schema.schema");
        string text = schema.GetRawText();
        return Compile(() => OutputConstraint.FromJsonSchema(text), "response_format.json_schema.schema");
    }

    private static OutputConstraint Compile(Func<OutputConstraint> compile, string param)
    {
        try
        {
            return compile();
        }
        catch (ConstraintCompileException ex)
        {
            throw new OpenAIException(400, ex.Message, param, code: "unsupported_schema");
        }
    }

    private static OpenAIException Unsupported(string param) =>
        new(400, $"Unsupported parameter: '{param}' is not supported by MemServe.", param, code: "unsupported_parameter");
}
