using System.Text;
using System.Text.Json;

namespace MemServe.Constraints;

/// <summary>
/// Converts a JSON Schema (the strict subset OpenAI's <c>json_schema</c> uses) to GBNF rules, so callers can compose
/// schemas into bigger grammars (tool calls: <c>root ::= "&lt;tool_call&gt;\n" call "\n&lt;/tool_call&gt;"</c>).
/// Supported: type (and type arrays), properties, required, additionalProperties (false / true / schema), items,
/// minItems, maxItems, enum, const, anyOf, oneOf (as anyOf), $ref to local JSON pointers (#/$defs/..., recursion
/// allowed), plus annotations. Any other keyword throws <see cref="ConstraintCompileException"/> naming the keyword
/// and its path. Properties come in schema order; required ones always, optional ones may be left out. Stateless
/// and thread-safe.
/// </summary>
public static class JsonSchemaGrammar
{
    /// <summary>GBNF rules whose top rule is named <paramref name="ruleName"/> and whose helper rules all start with
    /// <c>ruleName + "-"</c>.</summary>
    public static string ToGbnf(string schemaJson, string ruleName = "root")
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        ArgumentException.ThrowIfNullOrEmpty(ruleName);
        foreach (char c in ruleName)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
                throw new ArgumentException($"rule name '{ruleName}' may hold only ASCII letters, digits, '-' and '_'", nameof(ruleName));
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(schemaJson);
        }
        catch (JsonException e)
        {
            throw new ConstraintCompileException($"the JSON schema is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var converter = new JsonSchemaConverter(document.RootElement, ruleName);
            string top = converter.Value(document.RootElement, "$");
            var sb = new StringBuilder();
            sb.Append(ruleName).Append(" ::= ").Append(top).Append('\n');
            converter.AppendRules(sb);
            JsonGrammarText.AppendPrimitives(sb, ruleName);
            return sb.ToString();
        }
    }
}
