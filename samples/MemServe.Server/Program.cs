using MemServe.Engine;
using MemServe.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

// A minimal OpenAI-compatible server over one MemServe engine: the embedded default model, or the
// Hugging Face folder in MemServe:ModelPath (appsettings.json, environment MemServe__ModelPath, or
// --MemServe:ModelPath=...). Endpoints: /v1/models, /v1/completions, /v1/chat/completions, /tokenize,
// /detokenize, /metrics (Prometheus text), /health. See docs/server.md.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);

builder.Services.AddMemServe(builder.Configuration.GetSection(MemServeOptions.SectionName)).AddPrometheusMetrics();
builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("memserve"));
builder.Services.AddHealthChecks().AddMemServeHealthCheck();

// Metrics also go out over OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT, the standard variable).
if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlpEndpoint)
{
    builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter(MemServeMetricNames.MeterName)
        .AddOtlpExporter((OtlpExporterOptions exporter) => exporter.Endpoint = new Uri(otlpEndpoint)));
}

WebApplication app = builder.Build();
app.MapMemServeOpenAI();
app.MapMemServeTokenizer();
app.MapMemServeMetrics();
app.MapHealthChecks("/health");

// Settings are checked and the model loaded before the server listens (unless MemServe:LoadInBackground), so
// that a server which cannot serve says why in one log line and exits with code 1, without a stack trace.
MemServeOptions options;
try
{
    options = app.Services.GetRequiredService<IOptionsMonitor<MemServeOptions>>().Get(Options.DefaultName);
}
catch (OptionsValidationException invalid)
{
    app.Logger.LogCritical("MemServe settings are invalid: {Reason}", invalid.Message.ReplaceLineEndings(" "));
    await app.DisposeAsync(); // flushes the console logger's queue before the process ends
    return 1;
}
if (!options.LoadInBackground)
{
    try
    {
        app.Services.GetRequiredService<ILlmEngine>();
    }
    catch (Exception)
    {
        await app.DisposeAsync(); // flushes the console logger's queue before the process ends
        return 1; // the engine logged why, naming the model path (MemServe engine (default): loading ... failed: ...)
    }
}
app.Run();
return 0;

/// <summary>The sample's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
