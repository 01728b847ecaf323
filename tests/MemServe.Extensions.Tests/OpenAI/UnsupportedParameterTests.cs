using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;

namespace MemServe.Extensions.OpenAI;

/// <summary>Fields the server does not implement are refused (400 <c>unsupported_parameter</c> naming them),
/// never ignored; only <c>user</c>, <c>store: false</c> and <c>null</c> values are accepted without effect.</summary>
public sealed class UnsupportedParameterTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private const string ChatStart = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2,""";
    private const string CompletionStart = """{"prompt":"Hi","max_tokens":2,""";

    [Theory]
    [InlineData(ChatStart + """ "service_tier":"flex"}""", "service_tier")]
    [InlineData(ChatStart + """ "store":true}""", "store")]
    [InlineData(ChatStart + """ "metadata":{"team":"a"}}""", "metadata")]
    [InlineData(ChatStart + """ "modalities":["text"]}""", "modalities")]
    [InlineData(ChatStart + """ "reasoning_effort":"low"}""", "reasoning_effort")]
    [InlineData(ChatStart + """ "prediction":{"type":"content","content":"x"}}""", "prediction")]
    [InlineData(ChatStart + """ "frobnicate":1}""", "frobnicate")]
    [InlineData(ChatStart + """ "Temperature":0.5}""", "Temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi","audio":{"id":"a"}}],"max_tokens":2}""", "messages[0].audio")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text","text":"Hi","cache_control":{"type":"ephemeral"}}]}]}""", "messages[0].content[0].cache_control")]
    [InlineData(ChatStart + """ "stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}}""", "stream_options.include_obfuscation")]
    public async Task Chat_UndeclaredField_Is400UnsupportedParameterNamingIt(string json, string param)
    {
        JsonElement error = await PostForErrorAsync("/v1/chat/completions", json);

        Assert.Equal("unsupported_parameter", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(param, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CompletionStart + """ "echo":true}""", "echo")]
    [InlineData(CompletionStart + """ "suffix":"end"}""", "suffix")]
    [InlineData(CompletionStart + """ "best_of":2}""", "best_of")]
    [InlineData(CompletionStart + """ "service_tier":"auto"}""", "service_tier")]
    [InlineData(CompletionStart + """ "frobnicate":"x"}""", "frobnicate")]
    public async Task Completion_UnsupportedField_Is400UnsupportedParameterNamingIt(string json, string param)
    {
        JsonElement error = await PostForErrorAsync("/v1/completions", json);

        Assert.Equal("unsupported_parameter", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions", ChatStart + """ "user":"u-1","store":false,"metadata":null,"service_tier":null}""")]
    [InlineData("/v1/completions", CompletionStart + """ "user":"u-1","echo":false,"best_of":1,"suffix":null}""")]
    public async Task AcceptedWithoutEffect_UserStoreFalseAndNulls_Are200(string path, string json)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenAIClient_StoredOutput_ThrowsWithStatus400NamingStore()
    {
        ChatClient client = OpenAIClients.Chat(factory);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(
            [new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2, StoredOutputEnabled = true }));

        Assert.Equal(400, error.Status);
        Assert.Contains("unsupported_parameter", error.Message, StringComparison.Ordinal);
        Assert.Contains("store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAIClient_EndUserId_IsAccepted()
    {
        ChatClient client = OpenAIClients.Chat(factory);

        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2, EndUserId = "user-7" });

        Assert.InRange(completion.Usage.OutputTokenCount, 1, 2);
    }

    private async Task<JsonElement> PostForErrorAsync(string path, string json)
    {
        using HttpClient client = factory.CreateClient();
        using HttpResponseMessage response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = body.RootElement.GetProperty("error").Clone();
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        return error;
    }
}
