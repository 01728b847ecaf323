using System.Globalization;
using MemServe.Engine;
using MemServe.Tokenization;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Fits an HTTP request to the model's context, as vLLM does, instead of letting the engine stop at the
/// context limit (the Core API's documented behaviour, kept for library users): the prompt is tokenised once
/// here and handed to the engine as token ids; prompt + an explicit <c>max_tokens</c> over the context, or a
/// prompt that leaves no room for one token, answers 400 <c>context_length_exceeded</c>; without an explicit
/// <c>max_tokens</c> the endpoint's default is lowered to what is left of the context. Stateless.
/// </summary>
internal static class OpenAIContextWindow
{
    /// <summary>Returns <paramref name="request"/> with its prompt as token ids and, when
    /// <paramref name="requestedMaxTokens"/> is null, its <see cref="GenerationRequest.MaxTokens"/> capped to the
    /// room left.</summary>
    /// <param name="request">The mapped request (text or token-id prompt).</param>
    /// <param name="tokenizer">The engine's tokenizer.</param>
    /// <param name="contextTokens">Most tokens, prompt + output, one request may reach.</param>
    /// <param name="requestedMaxTokens">The <c>max_tokens</c> (or <c>max_completion_tokens</c>) the client sent, or null.</param>
    /// <param name="promptParam"><c>messages</c> or <c>prompt</c>: the field named in errors.</param>
    /// <exception cref="OpenAIException">400 <c>context_length_exceeded</c>.</exception>
    public static GenerationRequest Fit(GenerationRequest request, ITokenizer tokenizer, int contextTokens, int? requestedMaxTokens, string promptParam)
    {
        int[] ids;
        if (request.PromptTokenIds is { } given)
        {
            ids = new int[given.Count];
            for (int i = 0; i < ids.Length; i++) ids[i] = given[i];
        }
        else if (request.Prompt is { Length: > 0 } text)
        {
            ids = tokenizer.Encode(text, request.AddSpecialTokens);
        }
        else
        {
            return request; // the engine names what is missing
        }
        if (ids.Length == 0) return request;

        string where = promptParam == "messages" ? "messages" : "prompt";
        if (requestedMaxTokens is { } maxTokens)
        {
            if ((long)ids.Length + maxTokens > contextTokens)
            {
                throw new OpenAIException(400, string.Create(CultureInfo.InvariantCulture,
                    $"This model's maximum context length is {contextTokens} tokens. However, you requested {(long)ids.Length + maxTokens} tokens " +
                    $"({ids.Length} in the {where}, {maxTokens} in the completion). Please reduce the length of the {where} or completion."),
                    promptParam, OpenAIException.ContextLengthExceededCode);
            }
            return request with { Prompt = null, PromptTokenIds = ids };
        }
        if (ids.Length + 1 > contextTokens)
        {
            throw new OpenAIException(400, string.Create(CultureInfo.InvariantCulture,
                $"This model's maximum context length is {contextTokens} tokens. However, you requested {ids.Length} tokens in the {where}, " +
                $"which leaves no room for the completion. Please reduce the length of the {where}."),
                promptParam, OpenAIException.ContextLengthExceededCode);
        }
        return request with { Prompt = null, PromptTokenIds = ids, MaxTokens = Math.Min(request.MaxTokens, contextTokens - ids.Length) };
    }
}
