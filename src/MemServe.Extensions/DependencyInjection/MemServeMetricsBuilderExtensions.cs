using MemServe.Extensions;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Exports MemServe's metrics (<see cref="MemServeMetricNames"/>) through OpenTelemetry.</summary>
public static class MemServeMetricsBuilderExtensions
{
    /// <summary>
    /// Opts in to a Prometheus scrape endpoint for the <see cref="MemServeMetricNames.MeterName"/> meter:
    /// registers OpenTelemetry metrics on the container (<c>AddOpenTelemetry().WithMetrics(...)</c>, the provider
    /// started and stopped with the host) with the MemServe meter and the Prometheus exporter. Map the endpoint
    /// with <c>app.MapMemServeMetrics()</c>. Further exporters (OTLP, ...) can be added to the same provider with
    /// another <c>services.AddOpenTelemetry().WithMetrics(m =&gt; ...)</c>. Calling it more than once is harmless.
    /// </summary>
    public static IMemServeBuilder AddPrometheusMetrics(this IMemServeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MemServeMetricNames.MeterName)
            .AddPrometheusExporter());
        return builder;
    }
}
