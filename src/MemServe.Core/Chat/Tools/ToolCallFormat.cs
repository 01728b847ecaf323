namespace MemServe.Chat.Tools;

/// <summary>
/// How a model family writes tool calls in its output, as its chat template teaches it. Chosen from the template
/// text (<see cref="ToolCallFormats.Detect"/>), never from the model name.
/// </summary>
public enum ToolCallFormat
{
    /// <summary>The template does not render tools: a request with tools is refused.</summary>
    None,

    /// <summary>Hermes / Qwen: <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>, possibly several.</summary>
    Hermes,

    /// <summary>Llama 3.1+: the whole reply is <c>{"name": ..., "parameters": {...}}</c>, optionally after <c>&lt;|python_tag|&gt;</c>;
    /// several calls are separated by <c>;</c>.</summary>
    Llama3Json,

    /// <summary>Mistral: <c>[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]</c> (the marker is a special token and may be
    /// absent from decoded text); call ids are 9 alphanumeric characters.</summary>
    Mistral,
}

/// <summary>Detection of a template's <see cref="ToolCallFormat"/>. Stateless; thread-safe.</summary>
public static class ToolCallFormats
{
    /// <summary>
    /// The family whose call markers the template text contains: <c>&lt;tool_call&gt;</c> → Hermes,
    /// <c>[TOOL_CALLS]</c> → Mistral, <c>&lt;|python_tag|&gt;</c> or the <c>ipython</c> role → Llama 3 JSON; else
    /// <see cref="ToolCallFormat.None"/>. A template must also read the <c>tools</c> variable to count.
    /// </summary>
    public static ToolCallFormat Detect(string templateSource)
    {
        ArgumentNullException.ThrowIfNull(templateSource);
        if (!templateSource.Contains("tools", StringComparison.Ordinal)) return ToolCallFormat.None;
        if (templateSource.Contains("<tool_call>", StringComparison.Ordinal)) return ToolCallFormat.Hermes;
        if (templateSource.Contains("[TOOL_CALLS]", StringComparison.Ordinal)) return ToolCallFormat.Mistral;
        if (templateSource.Contains("<|python_tag|>", StringComparison.Ordinal) || templateSource.Contains("ipython", StringComparison.Ordinal))
            return ToolCallFormat.Llama3Json;
        return ToolCallFormat.None;
    }

    /// <summary>A new call id in the family's shape: 9 alphanumeric characters for Mistral (its template refuses
    /// others), <c>call_</c> and 24 alphanumeric characters otherwise. Thread-safe.</summary>
    public static string NewCallId(ToolCallFormat format)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        int length = format == ToolCallFormat.Mistral ? 9 : 24;
        Span<char> chars = stackalloc char[length];
        for (int i = 0; i < length; i++) chars[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        return format == ToolCallFormat.Mistral ? new string(chars) : "call_" + new string(chars);
    }
}
