using System.Net;
using System.Net.Http.Json;
using MemServe.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.StructuredOutput;

/// <summary>The README's DI snippet and its "what apps ask of a model server" snippet, kept compiling and running on
/// the default model: every mapped endpoint answers, <c>GetResponseAsync&lt;T&gt;</c> returns a T, the embedding
/// generator comes from DI.</summary>
public sealed class ReadmeAppSnippetTests
{
    /// <summary>The README's example type (booleans only, so the random default model always finishes it).</summary>
    public sealed record Verdict(bool Green, bool Flaky);

    [Fact]
    public async Task The_readme_app_serves_every_endpoint_and_structured_output()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        // --- README snippet (keep in sync) ---
        builder.Services.AddMemServe(TestSettings.Apply)
            .ConfigureEngine(o => o with { MaxRunningSequences = 32 })
            .AddPrometheusMetrics();
        builder.Services.AddHealthChecks().AddMemServeHealthCheck();

        await using WebApplication app = builder.Build();
        app.MapMemServeOpenAI();
        app.MapMemServeTokenizer();
        app.MapMemServeMetrics();
        app.MapHealthChecks("/health");
        // --- end of snippet ---
        await app.StartAsync();
        using HttpClient http = app.GetTestClient();

        IChatClient chat = app.Services.GetRequiredService<IChatClient>();
        ChatResponse<Verdict> verdict = await chat.GetResponseAsync<Verdict>("Is the build green? Answer as JSON.",
            new ChatOptions { MaxOutputTokens = 120 });
        IEmbeddingGenerator<string, Embedding<float>> embedder = app.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        GeneratedEmbeddings<Embedding<float>> vectors = await embedder.GenerateAsync(["a", "b"]);

        Assert.True(verdict.TryGetResult(out Verdict? result), verdict.Text);
        Assert.NotNull(result);
        Assert.Equal(2, vectors.Count);
        Assert.Equal(app.Services.GetRequiredService<ILlmEngine>().ModelInfo.Config.HiddenSize, vectors[0].Vector.Length);
        foreach (string path in new[] { "/v1/models", "/metrics", "/health" })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(path)).StatusCode);
        using HttpResponseMessage tokenize = await http.PostAsJsonAsync("/tokenize", new { prompt = "hi" });
        using HttpResponseMessage embeddings = await http.PostAsJsonAsync("/v1/embeddings", new { input = "hi" });
        Assert.Equal(HttpStatusCode.OK, tokenize.StatusCode);
        Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
        await app.StopAsync();
    }
}
