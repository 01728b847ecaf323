using MemServe.Constraints;
using MemServe.Engine;

namespace MemServe.Extensions;

/// <summary>
/// Where forced tool calls (<c>tool_choice</c> <c>required</c> or named) meet constrained decoding: how a forced-call
/// grammar (built by <c>ToolCallGrammar</c> with <see cref="JsonSchemaGrammar.ToGbnf"/> for each function's arguments)
/// is put on a request. Both the OpenAI endpoint and <see cref="MemServeChatClient"/> go through here, so a forced call is always a valid call of
/// an offered function whose arguments match its parameter schema, whatever the model. Stateless; thread-safe.
/// </summary>
internal static class ToolCallConstraint
{
    /// <summary>The request constrained to <paramref name="grammar"/> (GBNF text whose top rule is <c>root</c>).</summary>
    /// <exception cref="InvalidRequestException">The request already has a constraint (a response format).</exception>
    public static GenerationRequest Apply(GenerationRequest request, string grammar)
    {
        if (request.Constraint is not null)
            throw new InvalidRequestException("A forced tool call (tool_choice required or a named function) cannot be combined with response_format or grammar.");
        return request with { Constraint = OutputConstraint.FromGbnf(grammar) };
    }
}
