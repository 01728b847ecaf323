using MemServe.Chat.Tools;
using MemServe.Engine;

namespace MemServe.Extensions.OpenAI;

/// <summary>What a chat request asks of tool calling, after checking. Immutable.</summary>
/// <param name="Format">The template's tool-call family.</param>
/// <param name="ParseCalls">False for <c>tool_choice: "none"</c>: the output is all content.</param>
/// <param name="AllowMultiple"><c>parallel_tool_calls</c> (default true).</param>
/// <param name="Definitions">The functions offered, in request order.</param>
/// <param name="ForcedGrammar">GBNF of the forced call for <c>required</c> / named choices (applied to the request through
/// <see cref="ToolCallConstraint.Apply"/>), else null.</param>
internal sealed record ChatToolPlan(ToolCallFormat Format, bool ParseCalls, bool AllowMultiple, IReadOnlyList<ToolDefinition> Definitions,
    string? ForcedGrammar)
{
    /// <summary>A parser for one response, or null when calls are not parsed.</summary>
    public ToolCallStreamParser? CreateParser()
    {
        if (!ParseCalls) return null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (ToolDefinition tool in Definitions) names.Add(tool.Name);
        return new ToolCallStreamParser(Format, AllowMultiple, names);
    }
}

/// <summary>A chat request mapped for the engine, and its tool plan (null when the request offers no tools).</summary>
internal sealed record MappedChatRequest(GenerationRequest Request, ChatToolPlan? Tools)
{
    /// <summary>The forced-call grammar already applied to <see cref="Request"/>, or null.</summary>
    public string? ForcedGrammar => Tools?.ForcedGrammar;
}
