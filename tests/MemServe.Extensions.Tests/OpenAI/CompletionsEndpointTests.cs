using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.OpenAI;

/// <summary><c>/v1/models</c> and <c>/v1/completions</c> over raw HTTP: bodies, SSE framing, errors, disconnects.</summary>
public sealed class CompletionsEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private const string Model = "memserve-default";

    [Fact]
    public async Task Models_ListsTheServedModel()
    {
        using HttpClient client = factory.CreateClient();

        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));

        Assert.Equal("list", body.RootElement.GetProperty("object").GetString());
        JsonElement model = Assert.Single(body.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(Model, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal("memserve", model.GetProperty("owned_by").GetString());
    }

    [Fact]
    public async Task Completion_ReturnsTextFinishReasonAndUsage()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await PostAsync(client, new { model = Model, prompt = "Once upon a time", max_tokens = 4, temperature = 0, ignore_eos = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = body.RootElement;
        Assert.StartsWith("cmpl-", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.Equal(Model, root.GetProperty("model").GetString());
        JsonElement choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.String, choice.GetProperty("text").ValueKind);
        JsonElement usage = root.GetProperty("usage");
        Assert.Equal(4, usage.GetProperty("completion_tokens").GetInt32());
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 1);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 4, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task Completion_StopString_EndsBeforeIt()
    {
        using HttpClient client = factory.CreateClient();
        string full = await CompleteTextAsync(client, new { prompt = "The cat", max_tokens = 12, temperature = 0, ignore_eos = true });
        string stop = full.Trim().Length >= 2 ? full.Trim()[^2..] : full;
        int cut = full.IndexOf(stop, StringComparison.Ordinal);

        using HttpResponseMessage response = await PostAsync(client, new { prompt = "The cat", max_tokens = 12, temperature = 0, ignore_eos = true, stop = new[] { stop } });

        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal(full[..cut], choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Completion_Streaming_SendsDataEventsThenUsageThenDone()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await PostAsync(client, new
        {
            prompt = "Hello",
            max_tokens = 5,
            temperature = 0,
            ignore_eos = true,
            stream = true,
            stream_options = new { include_usage = true },
        });
        string raw = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("data: [DONE]\n\n", raw, StringComparison.Ordinal);
        string[] events = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        JsonDocument[] chunks = [.. events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]))];
        try
        {
            JsonElement usageChunk = chunks[^1].RootElement;
            Assert.Empty(usageChunk.GetProperty("choices").EnumerateArray());
            Assert.Equal(5, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
            JsonElement last = chunks[^2].RootElement.GetProperty("choices")[0];
            Assert.Equal("length", last.GetProperty("finish_reason").GetString());
            foreach (JsonDocument chunk in chunks[..^2])
            {
                Assert.Equal(JsonValueKind.Null, chunk.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
                Assert.Equal(JsonValueKind.Null, chunk.RootElement.GetProperty("usage").ValueKind);
            }
            string streamed = string.Concat(chunks[..^1].Select(c => c.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
            Assert.Equal(await CompleteTextAsync(client, new { prompt = "Hello", max_tokens = 5, temperature = 0, ignore_eos = true }), streamed);
        }
        finally
        {
            foreach (JsonDocument chunk in chunks) chunk.Dispose();
        }
    }

    [Theory]
    [InlineData("""{"prompt":"x","n":0}""", "n")]
    [InlineData("""{"prompt":"x","logprobs":21}""", "logprobs")]
    [InlineData("""{"prompt":"x","logit_bias":{"abc":1}}""", "logit_bias.abc")]
    [InlineData("""{"prompt":"x","logit_bias":{"5":200}}""", "logit_bias.5")]
    [InlineData("""{"prompt":"x","temperature":3}""", "temperature")]
    [InlineData("""{"prompt":"x","top_p":0}""", "top_p")]
    [InlineData("""{"prompt":"x","max_tokens":0}""", "max_tokens")]
    [InlineData("""{"prompt":"x","stop":5}""", "stop")]
    [InlineData("""{"prompt":"x","temperature":"hot"}""", "temperature")]
    [InlineData("""{"max_tokens":3}""", "prompt")]
    public async Task Completion_InvalidParameter_Is400WithOpenAIErrorNamingIt(string json, string param)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task Completion_EngineRejection_Is400()
    {
        using HttpClient client = factory.CreateClient();

        // Token id far outside the vocabulary: the engine's own validation (InvalidRequestException) answers.
        using HttpResponseMessage response = await PostAsync(client, new { prompt = new[] { 1, 99_999_999 }, max_tokens = 2 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("vocabulary", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_UnknownModel_Is404()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await PostAsync(client, new { model = "gpt-9", prompt = "x" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("model", body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Completion_ClientDisconnect_CancelsTheRequestAndFreesItsBlocks()
    {
        using HttpClient client = factory.CreateClient();
        ILlmEngine engine = factory.Services.GetRequiredService<ILlmEngine>();
        long cancelledBefore = engine.GetStats().CancelledRequests;
        using var disconnect = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { prompt = "Tell a long story", max_tokens = 1500, ignore_eos = true, stream = true }),
        };

        using (HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, disconnect.Token))
        {
            Stream stream = await response.Content.ReadAsStreamAsync(disconnect.Token);
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer, disconnect.Token) > 0);
            Assert.True(engine.GetStats().KvBlocksUsed > 0);
            await disconnect.CancelAsync();
        }

        EngineStats stats = await TestSettings.WaitForIdleAsync(engine);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.Equal(0, stats.Running);
        Assert.Equal(cancelledBefore + 1, stats.CancelledRequests);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, object body) => client.PostAsJsonAsync("/v1/completions", body);

    private static async Task<string> CompleteTextAsync(HttpClient client, object body)
    {
        using HttpResponseMessage response = await PostAsync(client, body);
        response.EnsureSuccessStatusCode();
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
    }
}
