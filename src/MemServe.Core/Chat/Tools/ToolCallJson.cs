using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MemServe.Chat.Tools;

/// <summary>
/// Reads the JSON of tool calls as the families write it. Every reader returns false (never throws) on text that
/// is not a well-formed call, so the caller can hand the text back as content. Stateless; thread-safe.
/// </summary>
internal static class ToolCallJson
{
    /// <summary>One call object: <c>{"name": "f", "arguments": {...}}</c> (or <c>"parameters"</c>; arguments may also be a
    /// JSON string holding an object; missing arguments read as <c>{}</c>).</summary>
    public static bool TryReadCall(JsonElement call, IReadOnlySet<string>? knownNames, out string name, out string argumentsJson)
    {
        name = "";
        argumentsJson = "";
        if (call.ValueKind != JsonValueKind.Object) return false;
        if (!call.TryGetProperty("name", out JsonElement n) || n.ValueKind != JsonValueKind.String || n.GetString() is not { Length: > 0 } text) return false;
        if (knownNames is not null && !knownNames.Contains(text)) return false;
        JsonElement args = default;
        bool hasArgs = call.TryGetProperty("arguments", out args) || call.TryGetProperty("parameters", out args);
        if (!hasArgs || args.ValueKind == JsonValueKind.Null)
        {
            argumentsJson = "{}";
        }
        else if (args.ValueKind == JsonValueKind.Object)
        {
            argumentsJson = Compact(args);
        }
        else if (args.ValueKind == JsonValueKind.String && TryParse(args.GetString()!, out JsonDocument? inner))
        {
            using (inner)
            {
                if (inner.RootElement.ValueKind != JsonValueKind.Object) return false;
                argumentsJson = Compact(inner.RootElement);
            }
        }
        else
        {
            return false;
        }
        name = text;
        return true;
    }

    /// <summary>Hermes: the text between <c>&lt;tool_call&gt;</c> and <c>&lt;/tool_call&gt;</c> is one call object.</summary>
    public static bool TryReadObject(string text, IReadOnlySet<string>? knownNames, out string name, out string argumentsJson)
    {
        name = argumentsJson = "";
        if (!TryParse(text, out JsonDocument? document)) return false;
        using (document) return TryReadCall(document.RootElement, knownNames, out name, out argumentsJson);
    }

    /// <summary>Llama 3: one or more call objects separated by <c>;</c> (and whitespace).</summary>
    public static bool TryReadSequence(string text, IReadOnlySet<string>? knownNames, List<(string Name, string Arguments)> calls)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        int offset = SkipSeparators(bytes, 0);
        if (offset == bytes.Length) return false;
        while (offset < bytes.Length)
        {
            var reader = new Utf8JsonReader(bytes.AsSpan(offset), new JsonReaderOptions { AllowMultipleValues = true });
            JsonDocument document;
            try
            {
                if (!JsonDocument.TryParseValue(ref reader, out JsonDocument? parsed)) return false;
                document = parsed;
            }
            catch (JsonException)
            {
                return false;
            }
            using (document)
            {
                if (!TryReadCall(document.RootElement, knownNames, out string name, out string args)) return false;
                calls.Add((name, args));
            }
            offset = SkipSeparators(bytes, offset + (int)reader.BytesConsumed);
        }
        return true;
    }

    /// <summary>Mistral: a JSON array of call objects (a single object is accepted too).</summary>
    public static bool TryReadArray(string text, IReadOnlySet<string>? knownNames, List<(string Name, string Arguments)> calls)
    {
        if (!TryParse(text, out JsonDocument? document)) return false;
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (!TryReadCall(root, knownNames, out string name, out string args)) return false;
                calls.Add((name, args));
                return true;
            }
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0) return false;
            foreach (JsonElement item in root.EnumerateArray())
            {
                if (!TryReadCall(item, knownNames, out string name, out string args)) return false;
                calls.Add((name, args));
            }
            return true;
        }
    }

    /// <summary>Compact JSON text of <paramref name="element"/>.</summary>
    public static string Compact(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            element.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            document = null;
            return false;
        }
    }

    private static int SkipSeparators(byte[] bytes, int offset)
    {
        while (offset < bytes.Length && bytes[offset] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)';') offset++;
        return offset;
    }
}
