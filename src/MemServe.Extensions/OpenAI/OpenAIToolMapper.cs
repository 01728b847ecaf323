using System.Buffers;
using System.Text.Json;
using MemServe.Chat;
using MemServe.Chat.Tools;
using MemServe.Constraints;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Checks the tool part of a chat request (<c>tools</c>, <c>tool_choice</c>, <c>parallel_tool_calls</c>, the
/// <c>tool_calls</c> / <c>tool_call_id</c> / <c>name</c> of messages) and turns it into what the chat template reads:
/// the <c>tools</c> variable (the tool objects as sent) and message keys, with each call's <c>arguments</c> as an
/// object, the way Hugging Face templates expect. The legacy <c>functions</c> / <c>function_call</c> are refused.
/// Every error is an <see cref="OpenAIException"/> naming the field. Stateless.
/// </summary>
internal static class OpenAIToolMapper
{
    private static readonly HashSet<string> s_toolKeys = ["type", "function"];
    private static readonly HashSet<string> s_functionKeys = ["name", "description", "parameters", "strict"];

    /// <summary>Refuses the legacy function-calling fields, pointing to their replacements.</summary>
    public static void RefuseLegacy(ChatCompletionRequest body)
    {
        if (body.Functions.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            throw OpenAIException.BadRequest("functions is deprecated and not supported; send tools instead.", "functions");
        if (body.FunctionCall.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            throw OpenAIException.BadRequest("function_call is deprecated and not supported; send tool_choice instead.", "function_call");
    }

    /// <summary>
    /// The tool plan of <paramref name="body"/> for <paramref name="template"/>, or null when it offers no tools;
    /// <paramref name="toolsVariable"/> is the template's <c>tools</c> value (null when tools are not rendered:
    /// none offered, or <c>tool_choice: "none"</c>).
    /// </summary>
    public static ChatToolPlan? Plan(ChatCompletionRequest body, ChatTemplate template, out List<JsonElement>? toolsVariable)
    {
        toolsVariable = null;
        List<ToolDefinition> definitions = ReadTools(body.Tools, out List<JsonElement> raw, out bool anyStrict, out int strictIndex);
        (string mode, string? forcedName) = ReadToolChoice(body.ToolChoice);
        if (definitions.Count == 0)
        {
            if (mode is "required" or "function")
                throw OpenAIException.BadRequest($"tool_choice '{(forcedName ?? mode)}' needs tools; the request offers none.", "tool_choice");
            return null;
        }
        if (forcedName is not null && !definitions.Exists(t => t.Name == forcedName))
            throw OpenAIException.BadRequest($"tool_choice names function '{forcedName}', which is not among the tools.", "tool_choice");
        if (mode == "none") return new ChatToolPlan(ToolCallFormat.None, ParseCalls: false, AllowMultiple: false, definitions, ForcedGrammar: null);

        ToolCallFormat format = ToolCallFormats.Detect(template.Source);
        if (format == ToolCallFormat.None)
            throw OpenAIException.BadRequest("The model's chat template does not support tools (it has no tool-call format MemServe knows).", "tools");
        bool allowMultiple = body.ParallelToolCalls ?? true;
        string? grammar = null;
        if (mode is "required" or "function")
        {
            grammar = ToolCallGrammar.Build(format, definitions, forcedName, allowMultiple, (schema, rule) =>
            {
                try
                {
                    return JsonSchemaGrammar.ToGbnf(schema, rule);
                }
                catch (ConstraintCompileException ex)
                {
                    int index = definitions.FindIndex(t => ReferenceEquals(t.ParametersSchemaJson, schema));
                    throw new OpenAIException(400, $"The parameters of tool '{definitions[index].Name}' cannot be enforced: {ex.Message}",
                        $"tools[{index}].function.parameters", "unsupported_schema");
                }
            });
        }
        else if (anyStrict)
        {
            throw OpenAIException.BadRequest("strict function schemas are enforced only with tool_choice 'required' or a named function; "
                + "with 'auto' MemServe does not constrain calls.", $"tools[{strictIndex}].function.strict");
        }
        toolsVariable = raw;
        return new ChatToolPlan(format, ParseCalls: true, allowMultiple, definitions, grammar);
    }

    /// <summary>
    /// The template keys of message <paramref name="index"/> beyond role and content: <c>tool_calls</c> (assistant),
    /// <c>tool_call_id</c> and <c>name</c> (tool; the name is taken from the matching earlier call when not sent).
    /// <paramref name="callNames"/> collects call id → function name across the conversation.
    /// </summary>
    public static Dictionary<string, object?>? MessageExtra(ChatMessageRequest message, int index, string role, Dictionary<string, string> callNames)
    {
        if (message.FunctionCall.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            throw OpenAIException.BadRequest("function_call is deprecated and not supported; send tool_calls instead.", $"messages[{index}].function_call");
        Dictionary<string, object?>? extra = null;
        if (message.ToolCalls.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (role != "assistant") throw OpenAIException.BadRequest("tool_calls is allowed on assistant messages only.", $"messages[{index}].tool_calls");
            extra = new Dictionary<string, object?>(StringComparer.Ordinal) { ["tool_calls"] = ToolCalls(message.ToolCalls, index, callNames) };
        }
        string? name = OptionalString(message.Name, $"messages[{index}].name");
        string? toolCallId = OptionalString(message.ToolCallId, $"messages[{index}].tool_call_id");
        if (role == "tool")
        {
            if (toolCallId is null) throw OpenAIException.BadRequest("A tool message needs the tool_call_id of the call it answers.", $"messages[{index}].tool_call_id");
            extra ??= new Dictionary<string, object?>(StringComparer.Ordinal);
            extra["tool_call_id"] = toolCallId;
            name ??= callNames.GetValueOrDefault(toolCallId);
        }
        else if (toolCallId is not null)
        {
            throw OpenAIException.BadRequest("tool_call_id is allowed on tool messages only.", $"messages[{index}].tool_call_id");
        }
        if (name is not null)
        {
            extra ??= new Dictionary<string, object?>(StringComparer.Ordinal);
            extra["name"] = name;
        }
        return extra;
    }

    private static List<ToolDefinition> ReadTools(JsonElement tools, out List<JsonElement> raw, out bool anyStrict, out int strictIndex)
    {
        raw = [];
        anyStrict = false;
        strictIndex = -1;
        var definitions = new List<ToolDefinition>();
        if (tools.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return definitions;
        if (tools.ValueKind != JsonValueKind.Array) throw OpenAIException.BadRequest("tools must be an array of function tools.", "tools");
        var names = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string where = $"tools[{i}]";
            if (tool.ValueKind != JsonValueKind.Object) throw OpenAIException.BadRequest($"{where} must be an object.", where);
            RefuseUnknownKeys(tool, s_toolKeys, where);
            if (!tool.TryGetProperty("type", out JsonElement type) || !type.ValueEquals("function"))
                throw OpenAIException.BadRequest($"{where}.type must be 'function' (the only tool type MemServe supports).", $"{where}.type");
            if (!tool.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object)
                throw OpenAIException.BadRequest($"{where}.function must be an object.", $"{where}.function");
            RefuseUnknownKeys(function, s_functionKeys, $"{where}.function");
            string? name = function.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (!ToolDefinition.IsValidName(name))
                throw OpenAIException.BadRequest($"{where}.function.name must be 1-64 characters of a-z, A-Z, 0-9, _ and -.", $"{where}.function.name");
            if (!names.Add(name!)) throw OpenAIException.BadRequest($"{where}.function.name '{name}' is used by two tools.", $"{where}.function.name");
            if (function.TryGetProperty("description", out JsonElement d) && d.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                throw OpenAIException.BadRequest($"{where}.function.description must be a string.", $"{where}.function.description");
            string schema = ToolDefinition.EmptyParametersSchemaJson;
            if (function.TryGetProperty("parameters", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind != JsonValueKind.Object) throw OpenAIException.BadRequest($"{where}.function.parameters must be a JSON Schema object.", $"{where}.function.parameters");
                schema = p.GetRawText();
            }
            if (function.TryGetProperty("strict", out JsonElement s))
            {
                if (s.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                    throw OpenAIException.BadRequest($"{where}.function.strict must be a boolean.", $"{where}.function.strict");
                if (s.ValueKind == JsonValueKind.True && !anyStrict)
                {
                    anyStrict = true;
                    strictIndex = i;
                }
            }
            definitions.Add(new ToolDefinition(name!, schema));
            raw.Add(tool);
            i++;
        }
        return definitions;
    }

    private static (string Mode, string? Name) ReadToolChoice(JsonElement choice)
    {
        switch (choice.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return ("auto", null);
            case JsonValueKind.String:
                string mode = choice.GetString()!;
                return mode is "none" or "auto" or "required"
                    ? (mode, null)
                    : throw OpenAIException.BadRequest($"tool_choice '{mode}' is not one of none, auto, required or a function object.", "tool_choice");
            case JsonValueKind.Object:
                if (!choice.TryGetProperty("type", out JsonElement type) || !type.ValueEquals("function")
                    || !choice.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object
                    || !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
                    throw OpenAIException.BadRequest("tool_choice must be {\"type\": \"function\", \"function\": {\"name\": ...}}.", "tool_choice");
                return ("function", name.GetString());
            default:
                throw OpenAIException.BadRequest("tool_choice must be a string or a function object.", "tool_choice");
        }
    }

    /// <summary>The calls as the template reads them: <c>[{"id", "type", "function": {"name", "arguments": {...}}}]</c>.</summary>
    private static JsonElement ToolCalls(JsonElement calls, int index, Dictionary<string, string> callNames)
    {
        string where = $"messages[{index}].tool_calls";
        if (calls.ValueKind != JsonValueKind.Array) throw OpenAIException.BadRequest($"{where} must be an array.", where);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            int j = 0;
            foreach (JsonElement call in calls.EnumerateArray())
            {
                string at = $"{where}[{j++}]";
                if (call.ValueKind != JsonValueKind.Object) throw OpenAIException.BadRequest($"{at} must be an object.", at);
                string id = call.TryGetProperty("id", out JsonElement idElement) && idElement.ValueKind == JsonValueKind.String
                    ? idElement.GetString()! : throw OpenAIException.BadRequest($"{at}.id must be a string.", $"{at}.id");
                if (call.TryGetProperty("type", out JsonElement type) && !type.ValueEquals("function"))
                    throw OpenAIException.BadRequest($"{at}.type must be 'function'.", $"{at}.type");
                if (!call.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object
                    || !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
                    throw OpenAIException.BadRequest($"{at}.function must be an object with a name.", $"{at}.function");
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", name.GetString());
                json.WritePropertyName("arguments");
                WriteArguments(json, function, $"{at}.function.arguments");
                json.WriteEndObject();
                json.WriteEndObject();
                callNames[id] = name.GetString()!;
            }
            json.WriteEndArray();
        }
        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteArguments(Utf8JsonWriter json, JsonElement function, string param)
    {
        if (!function.TryGetProperty("arguments", out JsonElement arguments) || arguments.ValueKind == JsonValueKind.Null)
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            arguments.WriteTo(json);
            return;
        }
        if (arguments.ValueKind != JsonValueKind.String) throw OpenAIException.BadRequest($"{param} must be a string of JSON.", param);
        try
        {
            using JsonDocument parsed = JsonDocument.Parse(arguments.GetString()!);
            parsed.RootElement.WriteTo(json);
        }
        catch (JsonException ex)
        {
            throw OpenAIException.BadRequest($"{param} is not valid JSON: {ex.Message}", param);
        }
    }

    private static string? OptionalString(JsonElement value, string param) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw OpenAIException.BadRequest($"{param} must be a string.", param),
    };

    private static void RefuseUnknownKeys(JsonElement element, HashSet<string> known, string where)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
                throw OpenAIException.BadRequest($"{where}.{property.Name} is not supported.", $"{where}.{property.Name}");
        }
    }
}
