namespace MemServe.Chat;

/// <summary>
/// One turn of a conversation as a chat template sees it: a dict with <c>role</c> and <c>content</c>
/// (<c>content</c> is <c>none</c> when <see cref="Content"/> is null).
/// </summary>
/// <param name="Role">The speaker: usually <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The text of the turn, or null (an assistant turn that only calls tools).</param>
public sealed record ChatMessage(string Role, string? Content)
{
    /// <summary>
    /// Further keys the template may read, such as <c>reasoning_content</c>, <c>tool_calls</c>, <c>name</c> or
    /// <c>tool_call_id</c>. Values may be strings, numbers, booleans, null, lists, dictionaries or
    /// <see cref="System.Text.Json.JsonElement"/>s. Keys absent here are undefined in the template.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Extra { get; init; }
}
