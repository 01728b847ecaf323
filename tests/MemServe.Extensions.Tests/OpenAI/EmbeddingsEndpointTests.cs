using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Embeddings;

namespace MemServe.Extensions.OpenAI;

/// <summary><c>/v1/embeddings</c> with the official OpenAI .NET client (which asks for base64) and over raw HTTP
/// (float and base64 encodings, every input shape, errors), against the engine's own <see cref="ILlmEngine.EmbedAsync"/>.</summary>
public sealed class EmbeddingsEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private ILlmEngine Engine => factory.Services.GetRequiredService<ILlmEngine>();

    private EmbeddingClient Client() => new(OpenAIClients.Model, new ApiKeyCredential("not-checked"), OpenAIClients.Options(factory));

    private static void AssertEqual(float[] expected, ReadOnlyMemory<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual.Span), "the served vector differs from the engine's");
    }

    [Fact]
    public async Task EmbeddingClient_OneInput_EqualsTheEnginesUnitVector()
    {
        OpenAIEmbedding embedding = (await Client().GenerateEmbeddingAsync("The quick brown fox")).Value;
        EmbeddingResult expected = await Engine.EmbedAsync(EmbeddingRequest.FromText("The quick brown fox"));

        ReadOnlyMemory<float> vector = embedding.ToFloats();
        AssertEqual(expected.Embeddings[0], vector);
        Assert.Equal(Engine.ModelInfo.Config.HiddenSize, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.ToArray().Sum(v => (double)v * v)), 1e-5);
    }

    [Fact]
    public async Task EmbeddingClient_ManyInputs_EqualEmbeddingThemOneByOne()
    {
        string[] inputs = ["first input", "a second, longer input about something else", "third"];

        OpenAIEmbeddingCollection batch = (await Client().GenerateEmbeddingsAsync(inputs)).Value;

        Assert.Equal(3, batch.Count);
        int tokens = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            EmbeddingResult alone = await Engine.EmbedAsync(EmbeddingRequest.FromText(inputs[i]));
            tokens += alone.PromptTokens;
            Assert.Equal(i, batch[i].Index);
            // Batched steps run other matmul shapes (and round K/V to BF16 after them): equal up to rounding.
            float[] a = alone.Embeddings[0], b = batch[i].ToFloats().ToArray();
            Assert.Equal(a.Length, b.Length);
            for (int j = 0; j < a.Length; j++) Assert.Equal(a[j], b[j], 1e-3f);
            Assert.True(a.Zip(b).Sum(p => (double)p.First * p.Second) > 0.9999, $"input {i}: cosine similarity to the lone vector");
        }
        Assert.Equal(tokens, batch.Usage.InputTokenCount);
        Assert.Equal(tokens, batch.Usage.TotalTokenCount);
        Assert.Equal(OpenAIClients.Model, batch.Model);
    }

    [Fact]
    public async Task EmbeddingClient_TokenInputsAndDimensions()
    {
        int[][] ids = [[10, 11, 12, 13], [200, 201]];

        OpenAIEmbeddingCollection batch = (await Client().GenerateEmbeddingsAsync(
            ids.Select(i => new ReadOnlyMemory<int>(i)), new EmbeddingGenerationOptions { Dimensions = 16 })).Value;
        EmbeddingResult expected = await Engine.EmbedAsync(new EmbeddingRequest { TokenInputs = ids, Dimensions = 16 });

        AssertEqual(expected.Embeddings[0], batch[0].ToFloats());
        AssertEqual(expected.Embeddings[1], batch[1].ToFloats());
        Assert.Equal(6, batch.Usage.InputTokenCount);
    }

    [Fact]
    public async Task RawHttp_FloatAndBase64Encodings_CarryTheSameVector()
    {
        using HttpClient client = factory.CreateClient();

        using JsonDocument floats = await PostOkAsync(client, new { model = OpenAIClients.Model, input = new[] { 5, 6, 7 }, encoding_format = "float" });
        using JsonDocument base64 = await PostOkAsync(client, new { input = new[] { new[] { 5, 6, 7 } }, encoding_format = "base64", user = "u1" });
        EmbeddingResult expected = await Engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [[5, 6, 7]] });

        JsonElement root = floats.RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.Equal(OpenAIClients.Model, root.GetProperty("model").GetString());
        Assert.Equal(3, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        JsonElement item = Assert.Single(root.GetProperty("data").EnumerateArray());
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        Assert.Equal(0, item.GetProperty("index").GetInt32());
        float[] fromFloats = item.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        byte[] bytes = Convert.FromBase64String(base64.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        float[] fromBase64 = new float[bytes.Length / 4];
        for (int i = 0; i < fromBase64.Length; i++) fromBase64[i] = BitConverter.ToSingle(bytes, i * 4);
        Assert.Equal(expected.Embeddings[0], fromFloats);
        Assert.Equal(expected.Embeddings[0], fromBase64);
    }

    [Fact]
    public async Task RawHttp_PoolingMean_IsMemServesExtension()
    {
        using HttpClient client = factory.CreateClient();

        using JsonDocument body = await PostOkAsync(client, new { input = "mean pooled", pooling = "mean", normalize = false });
        EmbeddingResult expected = await Engine.EmbedAsync(new EmbeddingRequest { Inputs = ["mean pooled"], Pooling = EmbeddingPooling.Mean, Normalize = false });

        float[] vector = body.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(expected.Embeddings[0], vector);
    }

    public static TheoryData<string, string, string?> BadRequests => new()
    {
        { """{"input":"x","truncate_prompt_tokens":4}""", "truncate_prompt_tokens", "unsupported_parameter" },
        { """{"input":"x","foo":1}""", "foo", "unsupported_parameter" },
        { """{"input":""}""", "input", null },
        { """{"input":[]}""", "input", null },
        { """{"input":["a",1]}""", "input", null },
        { """{"input":[1,"a"]}""", "input", null },
        { """{"input":[[1,2],[]]}""", "input", null },
        { """{"input":[[1,2],[99999999]]}""", "input", null },
        { """{"model":"memserve-default"}""", "input", null },
        { """{"input":"x","encoding_format":"int8"}""", "encoding_format", null },
        { """{"input":"x","dimensions":100000}""", "dimensions", null },
        { """{"input":"x","dimensions":"8"}""", "dimensions", null },
        { """{"input":"x","pooling":"cls"}""", "pooling", null },
        { """{"input":"x","normalize":"yes"}""", "normalize", null },
        { "{\"input\":[" + string.Join(",", Enumerable.Repeat(5, 5000)) + "]}", "input", "context_length_exceeded" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task RawHttp_BadRequest_Is400NamingTheField(string json, string param, string? code)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/v1/embeddings", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = body.RootElement.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task RawHttp_UnknownModel_Is404()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/embeddings", new { model = "gpt-x", input = "x" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("model_not_found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EmbeddingClient_Error_SurfacesAsClientResultException()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().GenerateEmbeddingsAsync([new ReadOnlyMemory<int>([1, 2, 99999999])]));

        Assert.Equal(400, error.Status);
    }

    private static async Task<JsonDocument> PostOkAsync(HttpClient client, object body)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("/v1/embeddings", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text);
    }
}
