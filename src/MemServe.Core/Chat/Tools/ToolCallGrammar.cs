using System.Text;
using MemServe.Constraints;

namespace MemServe.Chat.Tools;

/// <summary>
/// The GBNF grammar of a forced tool call (<c>tool_choice</c> <c>required</c> or a named function): exactly the text a
/// family's parser reads as a call, with each function's arguments constrained by its parameter schema. The arguments
/// rules come from a JSON-Schema-to-GBNF converter handed in by the caller (MemServe's is
/// <c>JsonSchemaGrammar.ToGbnf</c>), which must return rules whose top rule is the name it is given and whose helper
/// rules start with that name and a dash. Stateless; thread-safe.
/// </summary>
/// <remarks>
/// Shapes (tool <c>i</c>'s arguments rule is <c>tool{i}-args</c>):
/// Hermes <c>&lt;tool_call&gt;\n{"name": "f", "arguments": ARGS}\n&lt;/tool_call&gt;</c>, several separated by <c>\n</c> when
/// allowed; Llama 3 <c>{"name": "f", "parameters": ARGS}</c>, always one call (its template refuses more);
/// Mistral <c>[{"name": "f", "arguments": ARGS}, ...]</c> (without the <c>[TOOL_CALLS]</c> special token, which the
/// parser does not need).
/// </remarks>
public static class ToolCallGrammar
{
    /// <summary>Builds the grammar text; its top rule is <c>root</c>.</summary>
    /// <param name="format">The family (not <see cref="ToolCallFormat.None"/>).</param>
    /// <param name="tools">The functions offered (at least one).</param>
    /// <param name="forcedName">The function named by <c>tool_choice</c>, or null for <c>required</c> (any of <paramref name="tools"/>).</param>
    /// <param name="allowMultiple">Whether more than one call may be made (<c>parallel_tool_calls</c>); a named choice always makes one.</param>
    /// <param name="schemaToGbnf">(schema JSON, rule name) → GBNF rules defining that rule.</param>
    /// <exception cref="ArgumentException">No tools, the format is None, or <paramref name="forcedName"/> is not among the tools.</exception>
    public static string Build(ToolCallFormat format, IReadOnlyList<ToolDefinition> tools, string? forcedName, bool allowMultiple,
        Func<string, string, string> schemaToGbnf)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(schemaToGbnf);
        if (format == ToolCallFormat.None) throw new ArgumentException("the template has no tool-call format", nameof(format));
        if (tools.Count == 0) throw new ArgumentException("at least one tool is required", nameof(tools));

        var chosen = new List<int>(tools.Count);
        for (int i = 0; i < tools.Count; i++)
            if (forcedName is null || tools[i].Name == forcedName) chosen.Add(i);
        if (chosen.Count == 0) throw new ArgumentException($"no tool is named '{forcedName}'", nameof(forcedName));
        bool many = allowMultiple && forcedName is null && format != ToolCallFormat.Llama3Json;

        var gbnf = new StringBuilder();
        switch (format)
        {
            case ToolCallFormat.Hermes:
                gbnf.Append(many ? "root ::= call (\"\\n\" call)*\n" : "root ::= call\n");
                gbnf.Append("call ::= \"<tool_call>\\n\" call-body \"\\n</tool_call>\"\n");
                break;
            case ToolCallFormat.Llama3Json:
                gbnf.Append("root ::= call-body\n");
                break;
            case ToolCallFormat.Mistral:
                gbnf.Append(many ? "root ::= \"[\" call-body (\", \" call-body)* \"]\"\n" : "root ::= \"[\" call-body \"]\"\n");
                break;
        }
        gbnf.Append("call-body ::= ");
        for (int k = 0; k < chosen.Count; k++)
        {
            if (k > 0) gbnf.Append(" | ");
            gbnf.Append("tool").Append(chosen[k]);
        }
        gbnf.Append('\n');

        string argumentsKey = format == ToolCallFormat.Llama3Json ? "parameters" : "arguments";
        foreach (int i in chosen)
        {
            string rule = "tool" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string prefix = "{\"name\": \"" + tools[i].Name + "\", \"" + argumentsKey + "\": ";
            gbnf.Append(rule).Append(" ::= ").Append(JsonGrammarText.Literal(prefix)).Append(' ').Append(rule).Append("-args ").Append(JsonGrammarText.Literal("}")).Append('\n');
            string argsRules = schemaToGbnf(tools[i].ParametersSchemaJson, rule + "-args");
            gbnf.Append(argsRules.TrimEnd('\n')).Append('\n');
        }
        return gbnf.ToString();
    }
}
