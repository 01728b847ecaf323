using System.Buffers;
using System.Text.Json;
using MemServe.Chat;
using MemServe.Chat.Tools;
using MemServe.Constraints;
using Microsoft.Extensions.AI;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;
using TemplateMessage = MemServe.Chat.ChatMessage;

namespace MemServe.Extensions;

/// <summary>
/// The tool side of <see cref="MemServeChatClient"/>: <see cref="ChatOptions.Tools"/> (function declarations) and
/// <see cref="ChatOptions.ToolMode"/> into the template's <c>tools</c> variable and a parser;
/// <see cref="FunctionCallContent"/> / <see cref="FunctionResultContent"/> of input messages into the template's
/// <c>tool_calls</c> and <c>tool</c> turns; parsed calls back into <see cref="FunctionCallContent"/>. Stateless.
/// </summary>
internal static class ChatToolMapping
{
    /// <summary>What one request does with tools.</summary>
    internal sealed record Plan(ToolCallFormat Format, bool AllowMultiple, IReadOnlySet<string> Names, List<JsonElement>? ToolsVariable, string? ForcedGrammar)
    {
        public ToolCallStreamParser CreateParser() => new(Format, AllowMultiple, Names);
    }

    /// <summary>The plan for <paramref name="options"/>, or null when no tools are offered or the mode is none.</summary>
    /// <exception cref="NotSupportedException">A tool that is not a function, a template without tool calling, or a
    /// required mode while this build has no constrained decoding.</exception>
    public static Plan? Create(ChatOptions? options, ChatTemplate template)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode) return null;
        var definitions = new List<ToolDefinition>(tools.Count);
        var variable = new List<JsonElement>(tools.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (AITool tool in tools)
        {
            if (tool is not AIFunctionDeclaration function)
                throw new NotSupportedException($"ChatOptions.Tools: '{tool.Name}' is a {tool.GetType().Name}; MemServe supports function tools only.");
            if (!ToolDefinition.IsValidName(function.Name))
                throw new ArgumentException($"ChatOptions.Tools: function name '{function.Name}' must be 1-64 characters of a-z, A-Z, 0-9, _ and -.", nameof(options));
            string schema = function.JsonSchema.ValueKind == JsonValueKind.Object ? function.JsonSchema.GetRawText() : ToolDefinition.EmptyParametersSchemaJson;
            definitions.Add(new ToolDefinition(function.Name, schema));
            variable.Add(ToolJson(function.Name, function.Description, schema));
            names.Add(function.Name);
        }
        ToolCallFormat format = ToolCallFormats.Detect(template.Source);
        if (format == ToolCallFormat.None)
            throw new NotSupportedException("ChatOptions.Tools: the model's chat template does not support tools (it has no tool-call format MemServe knows).");
        bool allowMultiple = options.AllowMultipleToolCalls ?? true;
        string? grammar = null;
        if (options.ToolMode is RequiredChatToolMode required)
        {
            if (required.RequiredFunctionName is { } forced && !names.Contains(forced))
                throw new ArgumentException($"ChatOptions.ToolMode requires function '{forced}', which is not among ChatOptions.Tools.", nameof(options));
            grammar = ToolCallGrammar.Build(format, definitions, required.RequiredFunctionName, allowMultiple, JsonSchemaGrammar.ToGbnf);
        }
        return new Plan(format, allowMultiple, names, variable, grammar);
    }

    /// <summary>Adds the template turns of <paramref name="message"/>: text, the assistant's calls (<c>tool_calls</c> with
    /// arguments as objects) and one <c>tool</c> turn per function result (<c>tool_call_id</c>, <c>name</c>).</summary>
    public static void AddTurns(ChatMessage message, List<TemplateMessage> turns, Dictionary<string, string> callNames)
    {
        List<FunctionCallContent>? calls = null;
        List<FunctionResultContent>? results = null;
        foreach (AIContent content in message.Contents)
        {
            if (content is FunctionCallContent call) (calls ??= []).Add(call);
            else if (content is FunctionResultContent result) (results ??= []).Add(result);
        }
        string text = message.Text;
        if (calls is not null)
        {
            turns.Add(new TemplateMessage(message.Role.Value, text) { Extra = new Dictionary<string, object?> { ["tool_calls"] = CallsJson(calls, callNames) } });
        }
        else if (results is null || text.Length > 0)
        {
            turns.Add(new TemplateMessage(message.Role.Value, text));
        }
        if (results is null) return;
        foreach (FunctionResultContent result in results)
        {
            var extra = new Dictionary<string, object?> { ["tool_call_id"] = result.CallId };
            if (callNames.TryGetValue(result.CallId, out string? name)) extra["name"] = name;
            turns.Add(new TemplateMessage("tool", ResultText(result.Result)) { Extra = extra });
        }
    }

    /// <summary>A parsed call as M.E.AI content (arguments as a dictionary of <see cref="JsonElement"/>s).</summary>
    public static FunctionCallContent ToContent(ToolCall call)
    {
        var arguments = (Dictionary<string, object?>?)JsonSerializer.Deserialize(call.ArgumentsJson,
            AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>)));
        return new FunctionCallContent(call.Id, call.Name, arguments);
    }

    private static JsonElement ToolJson(string name, string? description, string schema)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", name);
            if (!string.IsNullOrEmpty(description)) json.WriteString("description", description);
            json.WritePropertyName("parameters");
            json.WriteRawValue(schema);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Parse(buffer);
    }

    private static JsonElement CallsJson(List<FunctionCallContent> calls, Dictionary<string, string> callNames)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (FunctionCallContent call in calls)
            {
                json.WriteStartObject();
                json.WriteString("id", call.CallId);
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", call.Name);
                json.WritePropertyName("arguments");
                JsonSerializer.Serialize(json, call.Arguments ?? new Dictionary<string, object?>(),
                    AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                json.WriteEndObject();
                json.WriteEndObject();
                callNames[call.CallId] = call.Name;
            }
            json.WriteEndArray();
        }
        return Parse(buffer);
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };

    private static JsonElement Parse(ArrayBufferWriter<byte> buffer)
    {
        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
