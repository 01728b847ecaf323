using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace MemServe.Extensions.OpenAI;

/// <summary><c>logprobs</c>/<c>top_logprobs</c> and <c>logit_bias</c> on both endpoints, through the official OpenAI .NET
/// client where it has the field and raw HTTP for the legacy completions shape.</summary>
public sealed class LogprobsEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private static readonly ChatMessage[] s_messages = [new UserChatMessage("Name a colour.")];

    private static ChatCompletionOptions Greedy(int maxTokens, int top) => new()
    {
        MaxOutputTokenCount = maxTokens,
        Temperature = 0,
        IncludeLogProbabilities = true,
        TopLogProbabilityCount = top,
    };

    [Fact]
    public async Task Chat_Logprobs_ReportEachTokenWithBytesAndSortedAlternatives()
    {
        ChatClient client = OpenAIClients.Chat(factory);

        ChatCompletion completion = await client.CompleteChatAsync(s_messages, Greedy(6, 3));

        IReadOnlyList<ChatTokenLogProbabilityDetails> tokens = completion.ContentTokenLogProbabilities;
        string content = completion.Content.Count == 0 ? "" : completion.Content[0].Text;
        int expected = completion.FinishReason == ChatFinishReason.Length ? completion.Usage.OutputTokenCount : completion.Usage.OutputTokenCount - 1;
        Assert.Equal(expected, tokens.Count);
        Assert.Equal(Encoding.UTF8.GetBytes(content), tokens.SelectMany(t => (t.Utf8Bytes ?? default).ToArray()).ToArray());
        foreach (ChatTokenLogProbabilityDetails token in tokens)
        {
            Assert.InRange(token.LogProbability, -1000f, 0f);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.Equal(token.Token, token.TopLogProbabilities[0].Token); // greedy: the chosen token is the most likely
            Assert.Equal(token.LogProbability, token.TopLogProbabilities[0].LogProbability);
            for (int j = 1; j < 3; j++) Assert.True(token.TopLogProbabilities[j].LogProbability <= token.TopLogProbabilities[j - 1].LogProbability);
            // A token that is part of a multi-byte character has partial bytes; its text shows U+FFFD for them.
            Assert.Equal(token.Token, Encoding.UTF8.GetString((token.Utf8Bytes ?? default).ToArray()));
        }
    }

    [Fact]
    public async Task Chat_Logprobs_Streaming_MatchNonStreaming()
    {
        ChatClient client = OpenAIClients.Chat(factory);
        ChatCompletionOptions options = Greedy(6, 2);
        ChatCompletion whole = await client.CompleteChatAsync(s_messages, options);

        var streamed = new List<ChatTokenLogProbabilityDetails>();
        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync(s_messages, options))
            streamed.AddRange(update.ContentTokenLogProbabilities);

        Assert.Equal(whole.ContentTokenLogProbabilities.Select(t => (t.Token, t.LogProbability)), streamed.Select(t => (t.Token, t.LogProbability)));
        Assert.Equal(whole.ContentTokenLogProbabilities.Select(t => t.TopLogProbabilities.Count), streamed.Select(t => t.TopLogProbabilities.Count));
    }

    [Fact]
    public async Task Chat_WithoutLogprobs_HasNone()
    {
        ChatCompletion completion = await OpenAIClients.Chat(factory).CompleteChatAsync(s_messages, new ChatCompletionOptions { MaxOutputTokenCount = 3, Temperature = 0 });
        Assert.Empty(completion.ContentTokenLogProbabilities);
    }

    [Fact]
    public async Task Chat_LogitBias_100ForcesAToken_AndMinus100BansIt()
    {
        ILlmEngine engine = factory.Services.GetRequiredService<ILlmEngine>();
        int x = engine.Tokenizer.Encode(" blue")[^1], y = engine.Tokenizer.Encode(" green")[^1];
        ChatClient client = OpenAIClients.Chat(factory);

        async Task<string> RunAsync(int xBias, int yBias)
        {
            var options = new ChatCompletionOptions { MaxOutputTokenCount = 3, Temperature = 0 };
            options.LogitBiases[x] = xBias;
            options.LogitBiases[y] = yBias;
            ChatCompletion completion = await client.CompleteChatAsync(s_messages, options);
            return completion.Content[0].Text;
        }

        string xText = engine.Tokenizer.Decode([x, x, x]), yText = engine.Tokenizer.Decode([y, y, y]);
        Assert.Equal(xText, await RunAsync(100, -100));
        Assert.Equal(yText, await RunAsync(-100, 100));
    }

    [Fact]
    public async Task Completion_Logprobs_HaveTheLegacyShape()
    {
        using HttpClient client = factory.CreateClient();

        using JsonDocument body = await PostAsync(client, new { prompt = "The sky is", max_tokens = 5, temperature = 0, ignore_eos = true, logprobs = 3 });

        JsonElement choice = body.RootElement.GetProperty("choices")[0];
        JsonElement logprobs = choice.GetProperty("logprobs");
        string[] tokens = [.. logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!)];
        float[] tokenLogprobs = [.. logprobs.GetProperty("token_logprobs").EnumerateArray().Select(t => t.GetSingle())];
        JsonElement[] tops = [.. logprobs.GetProperty("top_logprobs").EnumerateArray()];
        int[] offsets = [.. logprobs.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32())];
        Assert.Equal(5, tokens.Length);
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        Assert.Equal(5, tokenLogprobs.Length);
        Assert.Equal(5, tops.Length);
        for (int i = 0; i < 5; i++)
        {
            JsonProperty[] alternatives = [.. tops[i].EnumerateObject()];
            Assert.InRange(alternatives.Length, 1, 3);
            Assert.Equal(tokens[i], alternatives[0].Name); // greedy
            Assert.Equal(tokenLogprobs[i], alternatives[0].Value.GetSingle());
            Assert.Equal(i == 0 ? 0 : offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
        }
    }

    [Fact]
    public async Task Completion_Logprobs_Streaming_CarryTheirTokensAndOffsets()
    {
        using HttpClient client = factory.CreateClient();
        var request = new { prompt = "The sky is", max_tokens = 4, temperature = 0, ignore_eos = true, logprobs = 2 };
        using JsonDocument whole = await PostAsync(client, request);

        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", new
        {
            request.prompt, request.max_tokens, request.temperature, request.ignore_eos, request.logprobs, stream = true,
        });
        string raw = await response.Content.ReadAsStringAsync();
        var tokens = new List<string>();
        var offsets = new List<int>();
        foreach (string e in raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[..^1])
        {
            using JsonDocument chunk = JsonDocument.Parse(e["data: ".Length..]);
            JsonElement logprobs = chunk.RootElement.GetProperty("choices")[0].GetProperty("logprobs");
            tokens.AddRange(logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!));
            offsets.AddRange(logprobs.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()));
        }

        JsonElement expected = whole.RootElement.GetProperty("choices")[0].GetProperty("logprobs");
        Assert.Equal(expected.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!), tokens);
        Assert.Equal(expected.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()), offsets);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"logit_bias":{"-3":5}}""", "logit_bias.-3")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"logit_bias":{"7":"big"}}""", "logit_bias.7")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"n":129}""", "n")]
    public async Task Chat_InvalidLogprobsBiasOrN_Is400NamingIt(string json, string param)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_bias_on_a_token_outside_the_vocabulary_is_400_naming_it()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", new
        {
            prompt = "x", max_tokens = 1, logit_bias = new Dictionary<string, int> { ["99999999"] = 5 },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("LogitBias[99999999]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<JsonDocument> PostAsync(HttpClient client, object body)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", body);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
