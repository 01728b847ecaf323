namespace MemServe.Engine;

/// <summary>Token counts of one request.</summary>
/// <param name="PromptTokens">Tokens in the prompt.</param>
/// <param name="CachedPromptTokens">Prompt tokens whose KV came from the prefix cache instead of being computed.</param>
/// <param name="OutputTokens">Tokens generated (a final stop token included).</param>
public sealed record GenerationUsage(int PromptTokens, int CachedPromptTokens, int OutputTokens);
