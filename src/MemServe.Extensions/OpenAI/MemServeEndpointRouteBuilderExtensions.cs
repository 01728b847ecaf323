using MemServe.Extensions.OpenAI;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the OpenAI-compatible HTTP API of a MemServe engine.</summary>
public static class MemServeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {prefix}/models</c>, <c>POST {prefix}/completions</c>, <c>POST {prefix}/chat/completions</c> and
    /// <c>POST {prefix}/embeddings</c>
    /// for the engine registered under <paramref name="serviceKey"/> (null: the unkeyed one). Responses,
    /// streaming (server-sent events ending in <c>data: [DONE]</c>) and errors follow the OpenAI API; a full
    /// admission queue answers 503 with <c>Retry-After</c>. Returns the route group, so conventions such as
    /// authorization or rate limiting can be added.
    /// </summary>
    public static RouteGroupBuilder MapMemServeOpenAI(this IEndpointRouteBuilder endpoints, string? serviceKey = null, string routePrefix = "/v1")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(routePrefix);
        var handlers = new OpenAIEndpointHandlers(serviceKey);
        RouteGroupBuilder group = endpoints.MapGroup(routePrefix);
        group.MapGet("/models", new RequestDelegate(handlers.ListModelsAsync));
        group.MapPost("/completions", new RequestDelegate(handlers.CompletionsAsync));
        group.MapPost("/chat/completions", new RequestDelegate(handlers.ChatCompletionsAsync));
        group.MapPost("/embeddings", new RequestDelegate(handlers.EmbeddingsAsync));
        return group;
    }

    /// <summary>
    /// Maps vLLM's tokenizer endpoints for the engine registered under <paramref name="serviceKey"/>:
    /// <c>POST {prefix}/tokenize</c> (<c>{model?, prompt | messages, add_special_tokens?, add_generation_prompt?}</c>
    /// → <c>{count, max_model_len, tokens}</c>; messages are rendered with the model's chat template exactly as
    /// <c>/v1/chat/completions</c> renders them) and <c>POST {prefix}/detokenize</c> (<c>{model?, tokens}</c> →
    /// <c>{prompt}</c>; an id outside the vocabulary answers 400 naming its index). The prefix defaults to none,
    /// as vLLM serves them at the root. Errors follow the OpenAI endpoints'. Returns the route group.
    /// </summary>
    public static RouteGroupBuilder MapMemServeTokenizer(this IEndpointRouteBuilder endpoints, string? serviceKey = null, string routePrefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(routePrefix);
        var handlers = new TokenizerEndpointHandlers(new OpenAIEndpointHandlers(serviceKey));
        RouteGroupBuilder group = endpoints.MapGroup(routePrefix.Length == 0 ? "/" : routePrefix);
        group.MapPost("/tokenize", new RequestDelegate(handlers.TokenizeAsync));
        group.MapPost("/detokenize", new RequestDelegate(handlers.DetokenizeAsync));
        return group;
    }
}
