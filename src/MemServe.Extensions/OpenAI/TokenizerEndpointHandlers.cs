using System.Text.Json;
using MemServe.Engine;
using MemServe.Tokenization;
using Microsoft.AspNetCore.Http;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// The request delegates of vLLM's tokenizer endpoints for one engine: <c>POST /tokenize</c>
/// (<c>{model?, prompt | messages, add_special_tokens?, add_generation_prompt?}</c> →
/// <c>{count, max_model_len, tokens}</c>) and <c>POST /detokenize</c> (<c>{model?, tokens}</c> → <c>{prompt}</c>).
/// Errors, the model check and the refusal of undeclared fields are those of the OpenAI endpoints. They run
/// on the request's thread, not the engine's. Stateless; thread-safe.
/// </summary>
internal sealed class TokenizerEndpointHandlers(OpenAIEndpointHandlers handlers)
{
    public Task TokenizeAsync(HttpContext context) =>
        handlers.RunAsync(context, async (loaded, _) =>
        {
            TokenizeRequest body = await OpenAIEndpointHandlers.ReadAsync(context, OpenAIJsonContext.Default.TokenizeRequest).ConfigureAwait(false);
            OpenAIUndeclaredFields.Refuse(body.UndeclaredFields, prefix: null);
            OpenAIUndeclaredFields.Refuse(body.Messages);
            OpenAIEndpointHandlers.CheckModel(body.Model, loaded.Engine);
            int[] tokens = Tokenize(body, loaded);

            HttpResponse response = context.Response;
            response.ContentType = "application/json";
            using (var json = new Utf8JsonWriter(response.BodyWriter))
            {
                json.WriteStartObject();
                json.WriteNumber("count", tokens.Length);
                json.WriteNumber("max_model_len", loaded.ContextTokens);
                json.WriteStartArray("tokens");
                foreach (int token in tokens) json.WriteNumberValue(token);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        });

    public Task DetokenizeAsync(HttpContext context) =>
        handlers.RunAsync(context, async (loaded, _) =>
        {
            DetokenizeRequest body = await OpenAIEndpointHandlers.ReadAsync(context, OpenAIJsonContext.Default.DetokenizeRequest).ConfigureAwait(false);
            OpenAIUndeclaredFields.Refuse(body.UndeclaredFields, prefix: null);
            OpenAIEndpointHandlers.CheckModel(body.Model, loaded.Engine);
            if (body.Tokens is not { } tokens) throw OpenAIException.BadRequest("tokens is required (an array of token ids).", "tokens");
            ITokenizer tokenizer = loaded.Engine.Tokenizer;
            var ids = new int[tokens.Count];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = tokens[i];
                if ((uint)ids[i] >= (uint)tokenizer.VocabSize)
                {
                    throw OpenAIException.BadRequest(
                        $"tokens[{i}] = {ids[i]} is not a token id of this model (the vocabulary is [0, {tokenizer.VocabSize})).", $"tokens[{i}]");
                }
            }
            string text = tokenizer.Decode(ids);

            HttpResponse response = context.Response;
            response.ContentType = "application/json";
            using (var json = new Utf8JsonWriter(response.BodyWriter))
            {
                json.WriteStartObject();
                json.WriteString("prompt", text);
                json.WriteEndObject();
            }
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        });

    private static int[] Tokenize(TokenizeRequest body, MemServeLoadedEngine loaded)
    {
        ITokenizer tokenizer = loaded.Engine.Tokenizer;
        if (body.Messages is not null)
        {
            if (body.Prompt is not null) throw OpenAIException.BadRequest("Set either prompt or messages, not both.", "messages");
            // The chat endpoint's own mapping, so /tokenize counts exactly what /v1/chat/completions would prefill.
            var chat = new ChatCompletionRequest { Messages = body.Messages, AddGenerationPrompt = body.AddGenerationPrompt };
            GenerationRequest rendered = OpenAIRequestMapper.ToGenerationRequest(chat, () => loaded.ChatTemplate);
            return tokenizer.Encode(rendered.Prompt ?? "", body.AddSpecialTokens ?? false);
        }
        if (body.Prompt is not { } prompt) throw OpenAIException.BadRequest("prompt or messages is required.", "prompt");
        return tokenizer.Encode(prompt, body.AddSpecialTokens ?? true);
    }
}
