namespace MemServe.Chat.Tools;

/// <summary>A function the model may call: its name and the JSON Schema of its arguments object.</summary>
/// <param name="Name">The function name (<c>[a-zA-Z0-9_-]</c>, at most 64 characters, as OpenAI requires).</param>
/// <param name="ParametersSchemaJson">JSON Schema text of the arguments, e.g. <c>{"type":"object","properties":{...}}</c>.</param>
public sealed record ToolDefinition(string Name, string ParametersSchemaJson)
{
    /// <summary>The schema used when a function declares no parameters: an object with no properties.</summary>
    public const string EmptyParametersSchemaJson = """{"type":"object","properties":{}}""";

    /// <summary>True when <paramref name="name"/> is 1-64 characters of <c>a-z A-Z 0-9 _ -</c>.</summary>
    public static bool IsValidName(string? name)
    {
        if (name is not { Length: > 0 and <= 64 }) return false;
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        return true;
    }
}
