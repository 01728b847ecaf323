using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MemServe.Chat;
using MemServe.Chat.Tools;
using MemServe.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// The request delegates of the OpenAI-compatible endpoints for the engine registered under one key.
/// Requests are submitted without waiting for admission: a full queue answers 503 with <c>Retry-After</c>.
/// A client that disconnects cancels its request (<see cref="HttpContext.RequestAborted"/>), which frees
/// its KV blocks within one engine step. Stateless apart from the key; thread-safe.
/// </summary>
internal sealed class OpenAIEndpointHandlers(string? serviceKey)
{
    public async Task ListModelsAsync(HttpContext context)
    {
        await RunAsync(context, async (loaded, _) =>
        {
            HttpResponse response = context.Response;
            response.ContentType = "application/json";
            using (var json = new Utf8JsonWriter(response.BodyWriter))
            {
                json.WriteStartObject();
                json.WriteString("object", "list");
                json.WriteStartArray("data");
                json.WriteStartObject();
                json.WriteString("id", loaded.Engine.ModelInfo.Name);
                json.WriteString("object", "model");
                json.WriteNumber("created", loaded.LoadedAt.ToUnixTimeSeconds());
                json.WriteString("owned_by", MemServeMetricNames.ProviderNameValue);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    public Task CompletionsAsync(HttpContext context) =>
        RunAsync(context, async (loaded, provider) =>
        {
            CompletionRequest body = await ReadAsync(context, OpenAIJsonContext.Default.CompletionRequest).ConfigureAwait(false);
            OpenAIUndeclaredFields.Refuse(body);
            CheckModel(body.Model, loaded.Engine);
            GenerationRequest request = OpenAIRequestMapper.ToGenerationRequest(body);
            request = OpenAIContextWindow.Fit(request, loaded.Engine.Tokenizer, loaded.ContextTokens, body.MaxTokens, "prompt");
            await GenerateAsync(context, loaded, request, body, chat: false, MemServeMetricNames.TextCompletionOperation).ConfigureAwait(false);
        });

    public Task ChatCompletionsAsync(HttpContext context) =>
        RunAsync(context, async (loaded, provider) =>
        {
            ChatCompletionRequest body = await ReadAsync(context, OpenAIJsonContext.Default.ChatCompletionRequest).ConfigureAwait(false);
            OpenAIUndeclaredFields.Refuse(body);
            CheckModel(body.Model, loaded.Engine);
            MappedChatRequest mapped = OpenAIRequestMapper.ToChatRequest(body, () => loaded.ChatTemplate);
            GenerationRequest request = OpenAIContextWindow.Fit(mapped.Request, loaded.Engine.Tokenizer, loaded.ContextTokens,
                body.MaxCompletionTokens ?? body.MaxTokens, "messages");
            bool parseCalls = mapped.Tools is { ParseCalls: true };
            if (parseCalls && request.Logprobs is not null)
                throw OpenAIException.Unsupported("logprobs", "logprobs together with tools is not supported.");
            if (!parseCalls)
                await GenerateAsync(context, loaded, request, body, chat: true, MemServeMetricNames.ChatOperation).ConfigureAwait(false);
            else
                await ToolCallResponder.GenerateAsync(context, loaded, request, body, mapped.Tools!).ConfigureAwait(false);
        });

    public Task EmbeddingsAsync(HttpContext context) =>
        RunAsync(context, (loaded, _) => OpenAIEmbeddings.HandleAsync(context, loaded));

    private static async Task GenerateAsync(HttpContext context, MemServeLoadedEngine loaded, GenerationRequest request, SamplingRequest body,
        bool chat, string operation)
    {
        CancellationToken aborted = context.RequestAborted;
        long created = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        IAsyncEnumerable<GenerationUpdate> updates = MeteredLlmEngine.Generate(loaded.Engine, request, operation, aborted);
        IAsyncEnumerator<GenerationUpdate> enumerator = updates.GetAsyncEnumerator(aborted);
        await using (enumerator.ConfigureAwait(false))
        {
            // The first step admits the request: a full queue throws here, before any byte is sent.
            if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) throw new InvalidOperationException("The request produced no output.");
            bool logprobs = request.Logprobs is not null;
            ILlmEngine engine = loaded.Engine;
            using var writer = new OpenAIResponseWriter(context.Response, chat, engine.ModelInfo.Name, created,
                logprobs ? new OpenAILogprobsWriter(engine.Tokenizer) : null);
            var choices = new OpenAIChoice[request.N];
            for (int i = 0; i < choices.Length; i++) choices[i] = new OpenAIChoice(i, logprobs);
            var usages = new ChoiceUsageTally(choices.Length);
            if (!body.Stream)
            {
                do
                {
                    GenerationUpdate update = enumerator.Current;
                    OpenAIChoice choice = choices[update.ChoiceIndex];
                    choice.Text.Append(update.TextDelta);
                    if (Logged(update, engine) is { } token) choice.Tokens!.Add(token);
                    if (update is { FinishReason: { } reason, Usage: { } usage })
                    {
                        choice.FinishReason = reason;
                        if (usages.End(usage))
                        {
                            await writer.WriteResponseAsync(choices, usages.Total, aborted).ConfigureAwait(false);
                            return;
                        }
                    }
                }
                while (await enumerator.MoveNextAsync().ConfigureAwait(false));
                throw new InvalidOperationException("The request ended without a final update.");
            }

            bool includeUsage = body.StreamOptions?.IncludeUsage == true;
            writer.StartStream();
            try
            {
                do
                {
                    GenerationUpdate update = enumerator.Current;
                    OpenAIChoice choice = choices[update.ChoiceIndex];
                    LoggedToken? token = Logged(update, engine);
                    if (update is { FinishReason: { } reason, Usage: { } usage })
                    {
                        await writer.WriteChunkAsync(choice, update.TextDelta, reason, includeUsage, token, aborted).ConfigureAwait(false);
                        if (!usages.End(usage)) continue;
                        if (includeUsage) await writer.WriteUsageChunkAsync(usages.Total, aborted).ConfigureAwait(false);
                        await writer.WriteDoneAsync(aborted).ConfigureAwait(false);
                        return;
                    }
                    if (update.TextDelta.Length > 0 || token is not null)
                        await writer.WriteChunkAsync(choice, update.TextDelta, null, includeUsage, token, aborted).ConfigureAwait(false);
                }
                while (await enumerator.MoveNextAsync().ConfigureAwait(false));
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested && ToOpenAIException(ex) is { } error)
            {
                await writer.WriteErrorEventAsync(error, aborted).ConfigureAwait(false);
            }
        }
    }

    // The update's token with its logprobs, or null without logprobs or for a stop token (whose text is not output).
    private static LoggedToken? Logged(GenerationUpdate update, ILlmEngine engine)
    {
        if (update.Logprobs is not { } logprobs) return null;
        if (update.FinishReason == FinishReason.Stop && engine.Tokenizer.IsSpecial(update.TokenId)) return null;
        return new LoggedToken(update.TokenId, logprobs);
    }

    /// <summary>Runs <paramref name="handle"/> with the loaded engine and answers its errors in OpenAI's shape.</summary>
    internal async Task RunAsync(HttpContext context, Func<MemServeLoadedEngine, MemServeEngineProvider, Task> handle)
    {
        CancellationToken aborted = context.RequestAborted;
        MemServeEngineProvider provider = context.RequestServices.GetRequiredKeyedService<MemServeEngineProvider>(serviceKey);
        ILogger logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger<OpenAIEndpointHandlers>() ?? (ILogger)NullLogger.Instance;
        try
        {
            MemServeLoadedEngine loaded;
            try
            {
                loaded = await provider.GetAsync(aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new OpenAIException(503, "The model is not available: " + ex.Message, code: "model_unavailable", type: "server_error");
            }
            await handle(loaded, provider).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; cancelling the enumeration already ended the request.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            OpenAIException error = ToOpenAIException(ex) ?? new OpenAIException(500, "The server failed to handle the request.", type: "server_error");
            if (error.StatusCode >= 500 && ex is not EngineOverloadedException) MemServeLog.RequestFailed(logger, provider.Name, ex);
            if (ex is EngineOverloadedException) MemServeLog.RequestRejected(logger, provider.Name);
            await OpenAIErrors.WriteAsync(context.Response, error,
                ex is EngineOverloadedException || error.StatusCode == 503 ? provider.Options.OverloadRetryAfterSeconds : null).ConfigureAwait(false);
        }
    }

    internal static OpenAIException? ToOpenAIException(Exception ex) => ex switch
    {
        OpenAIException openAI => openAI,
        JsonException json => new OpenAIException(400, "The request body is not valid JSON for this endpoint: " + json.Message,
            param: ParamOf(json.Path)),
        InvalidRequestException invalid => new OpenAIException(400, invalid.Message),
        MemoryBudgetExceededException tooLong => new OpenAIException(400, tooLong.Message, code: "context_length_exceeded"),
        EngineOverloadedException overloaded => new OpenAIException(503, overloaded.Message, code: "overloaded", type: "server_error"),
        NotSupportedException notSupported => new OpenAIException(400, notSupported.Message),
        ChatTemplateException template => new OpenAIException(400, "The chat template rejected the messages: " + template.Message, param: "messages"),
        _ => null,
    };

    private static string? ParamOf(string? jsonPath) =>
        jsonPath is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;

    internal static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo) where T : class
    {
        T? body = await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, context.RequestAborted).ConfigureAwait(false);
        return body ?? throw OpenAIException.BadRequest("The request body must be a JSON object.");
    }

    internal static void CheckModel(string? model, ILlmEngine engine)
    {
        if (!string.IsNullOrEmpty(model) && model != engine.ModelInfo.Name)
        {
            throw new OpenAIException(404, $"The model '{model}' does not exist; this server serves '{engine.ModelInfo.Name}'.",
                param: "model", code: "model_not_found");
        }
    }
}
