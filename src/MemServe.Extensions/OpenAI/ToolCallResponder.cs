using System.Text;
using MemServe.Chat.Tools;
using MemServe.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Answers a chat request that offers tools: the output goes through a <see cref="ToolCallStreamParser"/>, so calls
/// come back as <c>message.tool_calls</c> (whole response) or as tool-call deltas (stream), content before a call is
/// sent as content, and text that may start a call marker is held back until it is known. Stateless.
/// </summary>
internal static class ToolCallResponder
{
    public static async Task GenerateAsync(HttpContext context, MemServeLoadedEngine loaded, GenerationRequest request, SamplingRequest body,
        ToolCallStreamParser parser)
    {
        CancellationToken aborted = context.RequestAborted;
        long created = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        IAsyncEnumerable<GenerationUpdate> updates = MeteredLlmEngine.Generate(loaded.Engine, request, MemServeMetricNames.ChatOperation, aborted);
        IAsyncEnumerator<GenerationUpdate> enumerator = updates.GetAsyncEnumerator(aborted);
        await using (enumerator.ConfigureAwait(false))
        {
            // The first step admits the request: a full queue throws here, before any byte is sent.
            if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) throw new InvalidOperationException("The request produced no output.");
            using var writer = new OpenAIResponseWriter(context.Response, chat: true, loaded.Engine.ModelInfo.Name, created);
            var choice = new OpenAIChoice(0, logprobs: false);
            List<ToolCall> calls = choice.ToolCalls = [];
            if (!body.Stream)
            {
                var content = new StringBuilder();
                do
                {
                    GenerationUpdate update = enumerator.Current;
                    content.Append(parser.Push(update.TextDelta, calls));
                    if (update is { FinishReason: { } reason, Usage: { } usage })
                    {
                        content.Append(parser.Finish(calls));
                        choice.Text.Append(content);
                        choice.FinishReason = reason;
                        await writer.WriteResponseAsync([choice], usage, aborted).ConfigureAwait(false);
                        return;
                    }
                }
                while (await enumerator.MoveNextAsync().ConfigureAwait(false));
                throw new InvalidOperationException("The request ended without a final update.");
            }

            bool includeUsage = body.StreamOptions?.IncludeUsage == true;
            int sent = 0;
            writer.StartStream();
            try
            {
                do
                {
                    GenerationUpdate update = enumerator.Current;
                    string text = parser.Push(update.TextDelta, calls);
                    if (update.FinishReason is { } reason) text += parser.Finish(calls);
                    if (text.Length > 0) await writer.WriteChunkAsync(choice, text, null, includeUsage, token: null, aborted).ConfigureAwait(false);
                    for (; sent < calls.Count; sent++) await writer.WriteToolCallChunkAsync(choice, calls[sent], sent, includeUsage, aborted).ConfigureAwait(false);
                    if (update.FinishReason is { } finish)
                    {
                        await writer.WriteChunkAsync(choice, "", finish, includeUsage, token: null, aborted).ConfigureAwait(false);
                        if (includeUsage && update.Usage is { } usage) await writer.WriteUsageChunkAsync(usage, aborted).ConfigureAwait(false);
                        await writer.WriteDoneAsync(aborted).ConfigureAwait(false);
                        return;
                    }
                }
                while (await enumerator.MoveNextAsync().ConfigureAwait(false));
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested && OpenAIEndpointHandlers.ToOpenAIException(ex) is { } error)
            {
                await writer.WriteErrorEventAsync(error, aborted).ConfigureAwait(false);
            }
        }
    }
}
