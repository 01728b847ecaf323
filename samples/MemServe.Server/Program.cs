using MemServe.Extensions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

// A minimal OpenAI-compatible server over one MemServe engine: the embedded default model, or the
// Hugging Face folder in MemServe:ModelPath (appsettings.json, environment MemServe__ModelPath, or
// --MemServe:ModelPath=...). Endpoints: /v1/models, /v1/completions, /v1/chat/completions, /health.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

builder.Services.AddMemServe(builder.Configuration.GetSection(MemServeOptions.SectionName));
builder.Services.AddHealthChecks().AddMemServeHealthCheck();

// Metrics go out over OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT, the standard variable).
if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlpEndpoint)
{
    builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
        .AddMeter(MemServeMetricNames.MeterName)
        .AddOtlpExporter((OtlpExporterOptions exporter) => exporter.Endpoint = new Uri(otlpEndpoint))
        .Build());
    builder.Services.AddHostedService<MeterProviderStarter>();
}

WebApplication app = builder.Build();
app.MapMemServeOpenAI();
app.MapHealthChecks("/health");
app.Run();

/// <summary>The sample's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;

/// <summary>Creates the OTLP meter provider when the host starts, so export begins before the first request.</summary>
internal sealed class MeterProviderStarter(MeterProvider meterProvider) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = meterProvider;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
