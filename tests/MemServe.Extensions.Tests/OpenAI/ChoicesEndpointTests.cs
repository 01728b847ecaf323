using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.OpenAI;

/// <summary><c>n</c> &gt; 1 on both endpoints (raw HTTP: the .NET client has no <c>n</c>): one choice per index, streamed
/// per index, usage counting the prompt once.</summary>
public sealed class ChoicesEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private static readonly object[] s_messages = [new { role = "user", content = "Tell me a word." }];

    [Fact]
    public async Task Chat_GreedyN3_ReturnsThreeIdenticalIndexedChoices_AndUsageCountsThePromptOnce()
    {
        using HttpClient client = factory.CreateClient();
        using JsonDocument one = await PostAsync(client, "/v1/chat/completions", new { messages = s_messages, max_tokens = 5, temperature = 0 });

        using JsonDocument three = await PostAsync(client, "/v1/chat/completions", new { messages = s_messages, max_tokens = 5, temperature = 0, n = 3 });

        JsonElement[] choices = [.. three.RootElement.GetProperty("choices").EnumerateArray()];
        string single = one.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal(single, c.GetProperty("message").GetProperty("content").GetString()));
        JsonElement usage = three.RootElement.GetProperty("usage"), singleUsage = one.RootElement.GetProperty("usage");
        Assert.Equal(singleUsage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3 * singleUsage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, (await TestSettings.WaitForIdleAsync(factory.Services.GetRequiredService<ILlmEngine>())).KvBlocksUsed);
    }

    [Fact]
    public async Task Chat_SeededN2_StreamsEachIndex_AsTheWholeResponseHasIt()
    {
        using HttpClient client = factory.CreateClient();
        var request = new { messages = s_messages, max_tokens = 6, temperature = 1.0, seed = 77, n = 2 };
        using JsonDocument whole = await PostAsync(client, "/v1/chat/completions", request);

        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            request.messages, request.max_tokens, request.temperature, request.seed, request.n,
            stream = true, stream_options = new { include_usage = true },
        });
        string raw = await response.Content.ReadAsStringAsync();
        var texts = new[] { new StringBuilder(), new StringBuilder() };
        var finishes = new string?[2];
        int? completionTokens = null;
        foreach (string e in raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[..^1])
        {
            using JsonDocument chunk = JsonDocument.Parse(e["data: ".Length..]);
            foreach (JsonElement choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                int index = choice.GetProperty("index").GetInt32();
                if (choice.GetProperty("delta").TryGetProperty("content", out JsonElement content)) texts[index].Append(content.GetString());
                if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
                {
                    Assert.Null(finishes[index]);
                    finishes[index] = choice.GetProperty("finish_reason").GetString();
                }
            }
            if (chunk.RootElement.GetProperty("usage") is { ValueKind: JsonValueKind.Object } usage) completionTokens = usage.GetProperty("completion_tokens").GetInt32();
        }

        JsonElement[] expected = [.. whole.RootElement.GetProperty("choices").EnumerateArray()];
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].GetProperty("message").GetProperty("content").GetString(), texts[i].ToString());
            Assert.Equal(expected[i].GetProperty("finish_reason").GetString(), finishes[i]);
        }
        Assert.Equal(whole.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), completionTokens);
    }

    [Fact]
    public async Task Completion_SeededN4_ChoicesAreReproducibleAndDiffer()
    {
        using HttpClient client = factory.CreateClient();
        var request = new { prompt = "Once upon a time", max_tokens = 8, temperature = 1.5, seed = 5, n = 4, ignore_eos = true, logprobs = 1 };

        using JsonDocument first = await PostAsync(client, "/v1/completions", request);
        using JsonDocument again = await PostAsync(client, "/v1/completions", request);

        string[] texts = [.. first.RootElement.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString()!)];
        Assert.Equal(texts, again.RootElement.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString()!));
        Assert.True(texts.Distinct().Count() >= 2, "seeded choices at temperature 1.5 should differ");
        Assert.All(first.RootElement.GetProperty("choices").EnumerateArray(),
            c => Assert.Equal(8, c.GetProperty("logprobs").GetProperty("tokens").GetArrayLength()));
        Assert.Equal(32, first.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    private static async Task<JsonDocument> PostAsync(HttpClient client, string path, object body)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text);
    }
}
