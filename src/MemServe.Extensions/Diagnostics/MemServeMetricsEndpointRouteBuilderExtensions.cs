using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Prometheus scrape endpoint of MemServe's metrics.</summary>
public static class MemServeMetricsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {path}</c> (default <c>/metrics</c>) to OpenTelemetry's Prometheus scraping endpoint, which
    /// answers the metrics of every meter the container's OpenTelemetry provider listens to (MemServe's once
    /// <c>AddMemServe(...).AddPrometheusMetrics()</c> is called; without it requests fail) in the Prometheus text
    /// format: dots become underscores and units become suffixes, e.g. <c>gen_ai_server_request_duration_seconds</c>.
    /// Returns the endpoint's convention builder, e.g. for authorization.
    /// </summary>
    public static IEndpointConventionBuilder MapMemServeMetrics(this IEndpointRouteBuilder endpoints, string path = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(path);
        return endpoints.MapPrometheusScrapingEndpoint(path);
    }
}
