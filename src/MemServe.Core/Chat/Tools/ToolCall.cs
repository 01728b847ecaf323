namespace MemServe.Chat.Tools;

/// <summary>One function call parsed from a model's output.</summary>
/// <param name="Id">The call id handed to the client (and expected back as <c>tool_call_id</c>).</param>
/// <param name="Name">The function name.</param>
/// <param name="ArgumentsJson">The arguments as compact JSON object text, e.g. <c>{"city":"Paris"}</c>.</param>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);
