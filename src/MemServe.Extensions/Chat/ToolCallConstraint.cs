using MemServe.Engine;

namespace MemServe.Extensions;

/// <summary>
/// Where forced tool calls (<c>tool_choice</c> <c>required</c> or named) meet constrained decoding: the JSON Schema →
/// GBNF converter used for each function's arguments, and how a forced-call grammar is put on a request. Both the
/// OpenAI endpoint and <see cref="MemServeChatClient"/> go through here. While <see cref="SchemaToGbnf"/> is null,
/// forced calls are refused (400 naming <c>tool_choice</c>; <see cref="NotSupportedException"/> in the chat client),
/// never run unconstrained. Stateless; thread-safe.
/// </summary>
internal static class ToolCallConstraint
{
    /// <summary>(schema JSON, rule name) → GBNF rules, or null when this build has no constrained decoding.</summary>
    // Connect with: public static Func<string, string, string>? SchemaToGbnf => MemServe.Constraints.JsonSchemaGrammar.ToGbnf;
    public static Func<string, string, string>? SchemaToGbnf => null;

    /// <summary>The request constrained to <paramref name="grammar"/> (GBNF text whose top rule is <c>root</c>).</summary>
    // Connect with: request with { Constraint = MemServe.Constraints.OutputConstraint.FromGbnf(grammar) };
    public static GenerationRequest Apply(GenerationRequest request, string grammar) =>
        throw new NotSupportedException("Forced tool calls need constrained decoding, which this build does not have.");
}
