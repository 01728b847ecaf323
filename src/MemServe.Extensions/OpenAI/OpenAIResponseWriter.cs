using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text.Json;
using MemServe.Chat.Tools;
using MemServe.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Writes one OpenAI response, whole or as server-sent events (<c>data: {chunk}\n\n</c> … <c>data: [DONE]\n\n</c>),
/// with a <see cref="Utf8JsonWriter"/> straight into the response pipe: a chunk costs no allocation beyond
/// its text. Not thread-safe: one request, one writer.
/// </summary>
internal sealed class OpenAIResponseWriter : IDisposable
{
    private static readonly JsonWriterOptions s_jsonOptions = new() { SkipValidation = true };

    private readonly HttpResponse _response;
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly bool _chat;
    private readonly string _id;
    private readonly string _model;
    private readonly long _created;
    private readonly OpenAILogprobsWriter? _logprobs;

    /// <summary>A writer for one response; <paramref name="logprobs"/> writes the choices' logprobs (null when the
    /// request did not ask for them).</summary>
    public OpenAIResponseWriter(HttpResponse response, bool chat, string model, long createdUnixSeconds, OpenAILogprobsWriter? logprobs = null)
    {
        _logprobs = logprobs;
        _response = response;
        _pipe = response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe, s_jsonOptions);
        _chat = chat;
        _model = model;
        _created = createdUnixSeconds;
        _id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
    }

    /// <summary>Writes the whole (non-streamed) response body: every choice in <paramref name="choices"/> (each
    /// finished), and <paramref name="usage"/>.</summary>
    public async Task WriteResponseAsync(IReadOnlyList<OpenAIChoice> choices, GenerationUsage usage, CancellationToken cancellationToken)
    {
        _response.ContentType = "application/json";
        WriteHeader(_chat ? "chat.completion" : "text_completion");
        _json.WriteStartArray("choices");
        foreach (OpenAIChoice choice in choices)
        {
            _json.WriteStartObject();
            _json.WriteNumber("index", choice.Index);
            if (_chat)
            {
                _json.WriteStartObject("message");
                _json.WriteString("role", "assistant");
                bool calls = choice.ToolCalls is { Count: > 0 };
                if (calls && choice.Text.Length == 0) _json.WriteNull("content");
                else _json.WriteString("content", choice.Text.ToString());
                if (calls)
                {
                    _json.WriteStartArray("tool_calls");
                    foreach (ToolCall call in choice.ToolCalls!) WriteToolCall(call, index: null);
                    _json.WriteEndArray();
                }
                _json.WriteEndObject();
            }
            else
            {
                _json.WriteString("text", choice.Text.ToString());
            }
            WriteLogprobs(choice, choice.Tokens is { } tokens ? CollectionsMarshal.AsSpan(tokens) : default);
            _json.WriteString("finish_reason", FinishReasonText(choice.FinishReason ?? FinishReason.Stop, choice.ToolCalls is { Count: > 0 }));
            _json.WriteEndObject();
        }
        _json.WriteEndArray();
        WriteUsage(usage);
        _json.WriteEndObject();
        _json.Flush();
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the event-stream headers; call before the first chunk.</summary>
    public void StartStream()
    {
        _response.ContentType = "text/event-stream";
        _response.Headers.CacheControl = "no-cache";
        _response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Writes one chunk of <paramref name="choice"/> carrying <paramref name="text"/>, the logprobs of
    /// <paramref name="token"/> (when the request asked for them) and, on its last, the finish reason.</summary>
    public ValueTask<FlushResult> WriteChunkAsync(OpenAIChoice choice, string text, FinishReason? reason, bool includeUsage,
        LoggedToken? token, CancellationToken cancellationToken)
    {
        LoggedToken one = token.GetValueOrDefault();
        ReadOnlySpan<LoggedToken> tokens = token is null ? default : new ReadOnlySpan<LoggedToken>(in one);
        BeginEvent();
        WriteHeader(_chat ? "chat.completion.chunk" : "text_completion");
        _json.WriteStartArray("choices");
        _json.WriteStartObject();
        _json.WriteNumber("index", choice.Index);
        if (_chat)
        {
            _json.WriteStartObject("delta");
            if (!choice.RoleSent) _json.WriteString("role", "assistant");
            if (text.Length > 0 || !choice.RoleSent) _json.WriteString("content", text);
            _json.WriteEndObject();
            choice.RoleSent = true;
        }
        else
        {
            _json.WriteString("text", text);
        }
        WriteLogprobs(choice, tokens);
        if (reason is { } r) _json.WriteString("finish_reason", FinishReasonText(r, choice.ToolCalls is { Count: > 0 }));
        else _json.WriteNull("finish_reason");
        _json.WriteEndObject();
        _json.WriteEndArray();
        if (includeUsage) _json.WriteNull("usage");
        _json.WriteEndObject();
        return EndEventAsync(cancellationToken);
    }

    /// <summary>Writes one chat chunk of <paramref name="choice"/> whose delta is the whole call <paramref name="call"/>, the
    /// <paramref name="index"/>-th of the choice: <c>tool_calls[{index, id, type, function: {name, arguments}}]</c>.</summary>
    public ValueTask<FlushResult> WriteToolCallChunkAsync(OpenAIChoice choice, ToolCall call, int index, bool includeUsage,
        CancellationToken cancellationToken)
    {
        BeginEvent();
        WriteHeader("chat.completion.chunk");
        _json.WriteStartArray("choices");
        _json.WriteStartObject();
        _json.WriteNumber("index", choice.Index);
        _json.WriteStartObject("delta");
        if (!choice.RoleSent) _json.WriteString("role", "assistant");
        choice.RoleSent = true;
        _json.WriteStartArray("tool_calls");
        WriteToolCall(call, index);
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.WriteNull("logprobs");
        _json.WriteNull("finish_reason");
        _json.WriteEndObject();
        _json.WriteEndArray();
        if (includeUsage) _json.WriteNull("usage");
        _json.WriteEndObject();
        return EndEventAsync(cancellationToken);
    }

    /// <summary>Writes the usage chunk of <c>stream_options.include_usage</c> (no choices).</summary>
    public ValueTask<FlushResult> WriteUsageChunkAsync(GenerationUsage usage, CancellationToken cancellationToken)
    {
        BeginEvent();
        WriteHeader(_chat ? "chat.completion.chunk" : "text_completion");
        _json.WriteStartArray("choices");
        _json.WriteEndArray();
        WriteUsage(usage);
        _json.WriteEndObject();
        return EndEventAsync(cancellationToken);
    }

    /// <summary>Writes an error event (when the stream already started and a status can no longer be sent).</summary>
    public ValueTask<FlushResult> WriteErrorEventAsync(OpenAIException error, CancellationToken cancellationToken)
    {
        BeginEvent();
        OpenAIErrors.WriteBody(_json, error);
        return EndEventAsync(cancellationToken);
    }

    /// <summary>Writes <c>data: [DONE]</c>.</summary>
    public ValueTask<FlushResult> WriteDoneAsync(CancellationToken cancellationToken)
    {
        _pipe.Write("data: [DONE]\n\n"u8);
        return _pipe.FlushAsync(cancellationToken);
    }

    public void Dispose() => _json.Dispose();

    private void BeginEvent()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
    }

    private ValueTask<FlushResult> EndEventAsync(CancellationToken cancellationToken)
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        return _pipe.FlushAsync(cancellationToken);
    }

    private void WriteLogprobs(OpenAIChoice choice, ReadOnlySpan<LoggedToken> tokens)
    {
        if (choice.Tokens is null || _logprobs is null) _json.WriteNull("logprobs");
        else if (_chat) _logprobs.WriteChat(_json, tokens);
        else _logprobs.WriteCompletion(_json, tokens, choice);
    }

    private void WriteHeader(string objectType)
    {
        _json.WriteStartObject();
        _json.WriteString("id", _id);
        _json.WriteString("object", objectType);
        _json.WriteNumber("created", _created);
        _json.WriteString("model", _model);
    }

    private void WriteUsage(GenerationUsage usage)
    {
        _json.WriteStartObject("usage");
        _json.WriteNumber("prompt_tokens", usage.PromptTokens);
        _json.WriteNumber("completion_tokens", usage.OutputTokens);
        _json.WriteNumber("total_tokens", usage.PromptTokens + usage.OutputTokens);
        _json.WriteStartObject("prompt_tokens_details");
        _json.WriteNumber("cached_tokens", usage.CachedPromptTokens);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void WriteToolCall(ToolCall call, int? index)
    {
        _json.WriteStartObject();
        if (index is { } i) _json.WriteNumber("index", i);
        _json.WriteString("id", call.Id);
        _json.WriteString("type", "function");
        _json.WriteStartObject("function");
        _json.WriteString("name", call.Name);
        _json.WriteString("arguments", call.ArgumentsJson);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private static string FinishReasonText(FinishReason reason, bool toolCalls) =>
        toolCalls ? "tool_calls" : reason == FinishReason.Length ? "length" : "stop";
}
