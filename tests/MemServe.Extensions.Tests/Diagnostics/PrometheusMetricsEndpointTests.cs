using System.Net;
using System.Net.Http.Json;
using MemServe.Extensions.OpenAI;

namespace MemServe.Extensions.Diagnostics;

/// <summary><c>GET /metrics</c> of the sample server (<c>AddPrometheusMetrics()</c> + <c>MapMemServeMetrics()</c>):
/// Prometheus text with MemServe's instruments after a request.</summary>
public sealed class PrometheusMetricsEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    [Fact]
    public async Task Metrics_AfterARequest_ArePrometheusTextWithMemServesInstruments()
    {
        using HttpClient client = factory.CreateClient();
        using (HttpResponseMessage completion = await client.PostAsJsonAsync("/v1/completions", new { prompt = "Hello", max_tokens = 3, ignore_eos = true }))
        {
            Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        }

        using HttpResponseMessage response = await client.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string[] lines = text.Split('\n');
        // Histograms: dots become underscores, the unit a suffix; one request was recorded.
        Assert.Contains("# TYPE gen_ai_server_request_duration_seconds histogram", lines);
        Assert.Contains("# TYPE gen_ai_server_time_to_first_token_seconds histogram", lines);
        Assert.Contains(lines, l => l.StartsWith("gen_ai_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && l.Contains("gen_ai_operation_name=\"text_completion\"", StringComparison.Ordinal) && l.Split(' ')[1] == "1");
        Assert.Contains(lines, l => l.StartsWith("memserve_token_usage_", StringComparison.Ordinal));
        // Engine instruments, read from the engine's stats at scrape time.
        Assert.Contains(lines, l => l.StartsWith("memserve_kv_cache_blocks_free", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("memserve_tokens_generated", StringComparison.Ordinal) && l.EndsWith(" 3", StringComparison.Ordinal));
    }
}
