namespace MemServe.Cluster;

/// <summary>What the router knows about a request: its prompt tokens and, optionally, a session id (for
/// session affinity). The tokens must not change while the request is routed.</summary>
/// <param name="PromptTokens">Prompt token ids.</param>
/// <param name="SessionId">Conversation or user id, or null.</param>
public sealed record RoutingRequest(ReadOnlyMemory<int> PromptTokens, string? SessionId = null);
