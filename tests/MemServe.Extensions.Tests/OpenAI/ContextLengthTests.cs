using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace MemServe.Extensions.OpenAI;

/// <summary>The sample server with a 64-token context (<c>MemServe:MaxContextTokens</c>).</summary>
public sealed class SmallContextServer : IDisposable
{
    public const int ContextTokens = 64;

    public MemServeServerFactory Factory { get; } = MemServeServerFactory.With(("MaxContextTokens", "64"));

    public void Dispose() => Factory.Dispose();
}

/// <summary>Prompt + <c>max_tokens</c> over the context is 400 <c>context_length_exceeded</c> (vLLM's message), never
/// silently cut; without <c>max_tokens</c> the default shrinks to what is left.</summary>
public sealed class ContextLengthTests(SmallContextServer server) : IClassFixture<SmallContextServer>
{
    private const int Context = SmallContextServer.ContextTokens;
    private const string Prompt = "Once upon a time there was a cat";

    [Fact]
    public async Task Completion_PromptPlusMaxTokensOverContext_Is400ContextLengthExceeded()
    {
        int promptTokens = PromptTokens(Prompt);
        using HttpClient client = server.Factory.CreateClient();

        JsonElement error = await PostForErrorAsync(client, "/v1/completions", new { prompt = Prompt, max_tokens = Context });

        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("prompt", error.GetProperty("param").GetString());
        Assert.Equal(
            $"This model's maximum context length is {Context} tokens. However, you requested {promptTokens + Context} tokens " +
            $"({promptTokens} in the prompt, {Context} in the completion). Please reduce the length of the prompt or completion.",
            error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completion_PromptAloneOverContext_Is400ContextLengthExceeded()
    {
        string prompt = string.Join(' ', Enumerable.Repeat("cat", 2 * Context));
        Assert.True(PromptTokens(prompt) >= Context);
        using HttpClient client = server.Factory.CreateClient();

        JsonElement error = await PostForErrorAsync(client, "/v1/completions", new { prompt });

        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("prompt", error.GetProperty("param").GetString());
        Assert.Equal(
            $"This model's maximum context length is {Context} tokens. However, you requested {PromptTokens(prompt)} tokens in the prompt, " +
            "which leaves no room for the completion. Please reduce the length of the prompt.",
            error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completion_TokenPromptOverContext_Is400ContextLengthExceeded()
    {
        using HttpClient client = server.Factory.CreateClient();

        JsonElement error = await PostForErrorAsync(client, "/v1/completions", new { prompt = Enumerable.Repeat(5, Context).ToArray(), max_tokens = 1 });

        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Contains($"{Context} in the prompt, 1 in the completion", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_PromptPlusMaxTokensExactlyTheContext_GeneratesAllOfThem()
    {
        int promptTokens = PromptTokens(Prompt);
        int maxTokens = Context - promptTokens;
        using HttpClient client = server.Factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", new { prompt = Prompt, max_tokens = maxTokens, ignore_eos = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(maxTokens, body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(promptTokens, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("length", body.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Chat_WithoutMaxTokens_DefaultFitsWhatIsLeftOfTheContext()
    {
        using HttpClient client = server.Factory.CreateClient();
        var messages = new[] { new { role = "user", content = "Tell me about cats and dogs." } };
        int promptTokens = await ChatPromptTokensAsync(client, messages);

        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/chat/completions", new { messages, ignore_eos = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(promptTokens, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(Context - promptTokens, body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", body.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Chat_OpenAIClient_MaxOutputTokensOverContext_ThrowsWithStatus400()
    {
        ChatClient client = OpenAIClients.Chat(server.Factory);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(
            [new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100_000 }));

        Assert.Equal(400, error.Status);
        Assert.Contains("context_length_exceeded", error.Message, StringComparison.Ordinal);
        Assert.Contains($"maximum context length is {Context} tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("100000 in the completion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_ReportsTheContextAsMaxModelLen()
    {
        using HttpClient client = server.Factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/tokenize", new { prompt = "x" });

        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Context, body.RootElement.GetProperty("max_model_len").GetInt32());
    }

    private int PromptTokens(string prompt) =>
        server.Factory.Services.GetRequiredService<ILlmEngine>().Tokenizer.Encode(prompt, addSpecialTokens: true).Length;

    private static async Task<int> ChatPromptTokensAsync(HttpClient client, object messages)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("/tokenize", new { messages });
        response.EnsureSuccessStatusCode();
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("count").GetInt32();
    }

    private static async Task<JsonElement> PostForErrorAsync(HttpClient client, string path, object body)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").Clone();
    }
}
