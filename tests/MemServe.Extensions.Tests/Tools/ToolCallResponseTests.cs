using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using MemServe.Chat.Tools;
using MemServe.Engine;
using MemServe.Extensions.OpenAI;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace MemServe.Extensions.Tools;

/// <summary>
/// The response side of tool calls: a scripted model output goes through the endpoint's tool-call responder, and the
/// bytes it writes are read back with the official OpenAI .NET client's own models (<c>ChatCompletion</c>,
/// <c>StreamingChatCompletionUpdate</c>).
/// </summary>
public sealed class ToolCallResponseTests
{
    private static readonly HashSet<string> s_names = ["get_weather", "get_time"];
    private const string TwoCalls = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
        + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";

    [Fact]
    public async Task Whole_response_carries_tool_calls_with_ids_and_finish_reason_tool_calls()
    {
        string body = await RespondAsync("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", stream: false);

        ChatCompletion completion = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(body))!;
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Empty(completion.Content);
        ChatToolCall call = Assert.Single(completion.ToolCalls);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", call.FunctionArguments.ToString());
        using JsonDocument raw = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Null, raw.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").ValueKind);
    }

    [Fact]
    public async Task Streamed_response_sends_content_then_one_tool_call_delta_per_call()
    {
        string body = await RespondAsync(TwoCalls, stream: true);

        var content = new StringBuilder();
        var deltas = new List<StreamingChatToolCallUpdate>();
        ChatFinishReason? finish = null;
        foreach (string json in Events(body))
        {
            StreamingChatCompletionUpdate update = ModelReaderWriter.Read<StreamingChatCompletionUpdate>(BinaryData.FromString(json))!;
            foreach (ChatMessageContentPart part in update.ContentUpdate) content.Append(part.Text);
            deltas.AddRange(update.ToolCallUpdates);
            finish ??= update.FinishReason;
        }

        Assert.Equal("Let me check.\n", content.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(2, deltas.Count);
        Assert.Equal([0, 1], deltas.Select(d => d.Index));
        Assert.Equal(["get_weather", "get_time"], deltas.Select(d => d.FunctionName));
        Assert.Equal(["""{"city":"Paris"}""", "{}"], deltas.Select(d => d.FunctionArgumentsUpdate.ToString()));
        Assert.All(deltas, d => Assert.StartsWith("call_", d.ToolCallId, StringComparison.Ordinal));
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_call_in_auto_mode_comes_back_as_content_whole_and_streamed()
    {
        const string output = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>";

        ChatCompletion whole = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(await RespondAsync(output, stream: false)))!;
        var streamed = new StringBuilder();
        foreach (string json in Events(await RespondAsync(output, stream: true)))
        {
            foreach (ChatMessageContentPart part in ModelReaderWriter.Read<StreamingChatCompletionUpdate>(BinaryData.FromString(json))!.ContentUpdate)
                streamed.Append(part.Text);
        }

        Assert.Equal(output, whole.Content[0].Text);
        Assert.Empty(whole.ToolCalls);
        Assert.Equal(ChatFinishReason.Stop, whole.FinishReason);
        Assert.Equal(output, streamed.ToString());
    }

    [Fact]
    public async Task Parallel_calls_off_returns_only_the_first_call()
    {
        string body = await RespondAsync(TwoCalls, stream: false, allowMultiple: false);

        ChatCompletion completion = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(body))!;
        Assert.Equal("get_weather", Assert.Single(completion.ToolCalls).FunctionName);
        Assert.Equal("Let me check.\n", completion.Content[0].Text);
    }

    private static async Task<string> RespondAsync(string output, bool stream, bool allowMultiple = true)
    {
        var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;
        var loaded = new MemServeLoadedEngine(new ScriptedEngine(output), modelDirectory: null, DateTimeOffset.UnixEpoch);
        var body = new ChatCompletionRequest { Stream = stream };

        await ToolCallResponder.GenerateAsync(context, loaded, new GenerationRequest { Prompt = "p" }, body,
            new ChatToolPlan(ToolCallFormat.Hermes, ParseCalls: true, allowMultiple,
                [.. s_names.Select(name => new ToolDefinition(name, "{}"))], ForcedGrammar: null));
        await context.Response.BodyWriter.FlushAsync();

        Assert.Equal((int)HttpStatusCode.OK, context.Response.StatusCode);
        return Encoding.UTF8.GetString(responseBody.ToArray());
    }

    private static IEnumerable<string> Events(string sse)
    {
        foreach (string line in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", line, StringComparison.Ordinal);
            string data = line["data: ".Length..];
            if (data != "[DONE]") yield return data;
        }
    }
}
