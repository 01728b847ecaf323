using MemServe.Chat.Tools;
using MemServe.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Answers a chat request that offers tools: each choice's output goes through its own <see cref="ToolCallStreamParser"/>,
/// so calls come back as <c>message.tool_calls</c> (whole response) or as tool-call deltas (stream), content before a
/// call is sent as content, and text that may start a call marker is held back until it is known. Stateless.
/// </summary>
internal static class ToolCallResponder
{
    public static async Task GenerateAsync(HttpContext context, MemServeLoadedEngine loaded, GenerationRequest request, SamplingRequest body,
        ChatToolPlan plan)
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
            var choices = new OpenAIChoice[request.N];
            var parsers = new ToolCallStreamParser[request.N];
            var sent = new int[request.N];
            for (int i = 0; i < choices.Length; i++)
            {
                choices[i] = new OpenAIChoice(i, logprobs: false) { ToolCalls = [] };
                parsers[i] = plan.CreateParser()!;
            }
            var usages = new ChoiceUsageTally(choices.Length);
            if (!body.Stream)
            {
                do
                {
                    GenerationUpdate update = enumerator.Current;
                    OpenAIChoice choice = choices[update.ChoiceIndex];
                    ToolCallStreamParser parser = parsers[update.ChoiceIndex];
                    choice.Text.Append(parser.Push(update.TextDelta, choice.ToolCalls!));
                    if (update is { FinishReason: { } reason, Usage: { } usage })
                    {
                        choice.Text.Append(parser.Finish(choice.ToolCalls!));
                        choice.FinishReason = reason;
                        if (!usages.End(usage)) continue;
                        await writer.WriteResponseAsync(choices, usages.Total, aborted).ConfigureAwait(false);
                        return;
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
                    int index = update.ChoiceIndex;
                    OpenAIChoice choice = choices[index];
                    List<ToolCall> calls = choice.ToolCalls!;
                    string text = parsers[index].Push(update.TextDelta, calls);
                    if (update.FinishReason is not null) text += parsers[index].Finish(calls);
                    if (text.Length > 0) await writer.WriteChunkAsync(choice, text, null, includeUsage, token: null, aborted).ConfigureAwait(false);
                    for (; sent[index] < calls.Count; sent[index]++)
                        await writer.WriteToolCallChunkAsync(choice, calls[sent[index]], sent[index], includeUsage, aborted).ConfigureAwait(false);
                    if (update is { FinishReason: { } finish, Usage: { } usage })
                    {
                        await writer.WriteChunkAsync(choice, "", finish, includeUsage, token: null, aborted).ConfigureAwait(false);
                        if (!usages.End(usage)) continue;
                        if (includeUsage) await writer.WriteUsageChunkAsync(usages.Total, aborted).ConfigureAwait(false);
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
