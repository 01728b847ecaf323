using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using OpenAI.Models;

namespace MemServe.Extensions.OpenAI;

/// <summary><c>/v1/chat/completions</c> through the official OpenAI .NET client (and raw HTTP for framing).</summary>
public sealed class ChatCompletionsEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private static readonly ChatMessage[] s_messages = [new SystemChatMessage("You are terse."), new UserChatMessage("Say something.")];

    [Fact]
    public async Task Chat_ReturnsAssistantTextUsageAndFinishReason()
    {
        ChatClient client = OpenAIClients.Chat(factory);

        ChatCompletion completion = await client.CompleteChatAsync(s_messages, new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 });

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(OpenAIClients.Model, completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 4);
        Assert.Equal(completion.Usage.OutputTokenCount == 4 ? ChatFinishReason.Length : ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.InputTokenCount > 10);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task Chat_Streaming_MatchesNonStreamingAndReportsUsage()
    {
        ChatClient client = OpenAIClients.Chat(factory);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0 };
        ChatCompletion whole = await client.CompleteChatAsync(s_messages, options);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync(s_messages, options))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(whole.Content.Count == 0 ? "" : whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task Chat_StopSequence_EndsBeforeIt()
    {
        ChatClient client = OpenAIClients.Chat(factory);
        ChatCompletion whole = await client.CompleteChatAsync(s_messages, new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 });
        string full = whole.Content[0].Text;
        Assert.True(full.Length >= 3, $"the model produced too little text to cut: '{full}'");
        string stop = full.Substring(full.Length / 2, 2);

        ChatCompletion cut = await client.CompleteChatAsync(s_messages, new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0, StopSequences = { stop } });

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], cut.Content.Count == 0 ? "" : cut.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
    }

    [Fact]
    public async Task Chat_UnknownModel_ThrowsWithStatus404()
    {
        ChatClient client = OpenAIClients.Chat(factory, model: "gpt-9");

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(s_messages));

        Assert.Equal(404, error.Status);
        Assert.Contains("gpt-9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_InvalidTemperature_ThrowsWithStatus400()
    {
        ChatClient client = OpenAIClients.Chat(factory);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(
            () => client.CompleteChatAsync(s_messages, new ChatCompletionOptions { Temperature = 7 }));

        Assert.Equal(400, error.Status);
        Assert.Contains("temperature", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListedByTheOpenAIClient()
    {
        var models = new OpenAIModelClient(new ApiKeyCredential("not-checked"), OpenAIClients.Options(factory));

        OpenAIModelCollection list = await models.GetModelsAsync();

        Assert.Equal(OpenAIClients.Model, Assert.Single(list).Id);
    }

    [Fact]
    public async Task Chat_Streaming_RawFramingHasRoleFirstAndEndsWithDone()
    {
        using HttpClient http = factory.CreateClient();

        using HttpResponseMessage response = await http.PostAsJsonAsync("/v1/chat/completions", new
        {
            messages = new[] { new { role = "user", content = new object[] { new { type = "text", text = "Hi" } } } },
            max_completion_tokens = 3,
            stream = true,
            ignore_eos = true,
        });
        string raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string[] events = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        using JsonDocument first = JsonDocument.Parse(events[0]["data: ".Length..]);
        Assert.Equal("chat.completion.chunk", first.RootElement.GetProperty("object").GetString());
        Assert.Equal("assistant", first.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.False(first.RootElement.TryGetProperty("usage", out _));
        using JsonDocument last = JsonDocument.Parse(events[^2]["data: ".Length..]);
        Assert.Equal("length", last.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Chat_NonTextContentPart_Is400()
    {
        using HttpClient http = factory.CreateClient();

        using HttpResponseMessage response = await http.PostAsJsonAsync("/v1/chat/completions", new
        {
            messages = new[] { new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = "x" } } } } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("messages[0].content", body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}
