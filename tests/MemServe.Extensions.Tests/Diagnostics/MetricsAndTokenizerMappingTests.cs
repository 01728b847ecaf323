using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.Diagnostics;

/// <summary>The opt-ins outside the sample: an app of its own with <c>AddPrometheusMetrics()</c> and the
/// mappings on custom paths, for a keyed engine.</summary>
public sealed class MetricsAndTokenizerMappingTests
{
    [Fact]
    public async Task OwnApp_KeyedEngine_ServesTokenizerUnderItsPrefixAndMetricsOnItsPath()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddKeyedMemServe("small", TestSettings.Apply).AddPrometheusMetrics().AddPrometheusMetrics();
        await using WebApplication app = builder.Build();
        app.MapMemServeOpenAI("small", "/small/v1");
        app.MapMemServeTokenizer("small", "/small");
        app.MapMemServeMetrics("/prom");
        await app.StartAsync();
        using HttpClient client = app.GetTestClient();

        using HttpResponseMessage tokenize = await client.PostAsJsonAsync("/small/tokenize", new { prompt = "Hello" });
        using HttpResponseMessage completion = await client.PostAsJsonAsync("/small/v1/completions", new { prompt = "Hello", max_tokens = 2 });
        using HttpResponseMessage root = await client.PostAsJsonAsync("/tokenize", new { prompt = "Hello" });
        string metrics = await client.GetStringAsync("/prom");

        Assert.Equal(HttpStatusCode.OK, tokenize.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await tokenize.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("count").GetInt32() > 0);
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
        Assert.Contains("# TYPE gen_ai_server_request_duration_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("memserve_kv_cache_blocks_free{", metrics, StringComparison.Ordinal);
        await app.StopAsync();
    }
}
