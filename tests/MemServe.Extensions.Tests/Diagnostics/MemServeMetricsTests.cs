using System.Diagnostics.Metrics;
using MemServe.Engine;
using MemServe.Extensions.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.Diagnostics;

/// <summary>Instrument names, units and attributes of the <c>MemServe</c> meter, observed with a <see cref="MeterListener"/>.</summary>
public sealed class MemServeMetricsTests
{
    private sealed record Recorded(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags);

    [Fact]
    public async Task CompletedRequests_RecordGenAIServerHistogramsWithConventionAttributes()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        using MeterListener listener = Listen(services, out List<Recorded> recorded);
        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();
        IChatClient chat = services.GetRequiredService<IChatClient>();

        await engine.CompleteAsync(new GenerationRequest { Prompt = "Hello", MaxTokens = 3, IgnoreEos = true });
        await chat.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 3, RawRepresentationFactory = _ => new GenerationRequest { IgnoreEos = true } });

        foreach (string name in new[] { MemServeMetricNames.RequestDuration, MemServeMetricNames.TimeToFirstToken, MemServeMetricNames.TimePerOutputToken })
        {
            Recorded[] points = [.. recorded.Where(r => r.Instrument == name)];
            Assert.Equal(2, points.Length);
            Assert.All(points, p => Assert.Equal("s", p.Unit));
            Assert.All(points, p => Assert.True(p.Value > 0 && p.Value < 60, $"{name} = {p.Value}"));
            Assert.All(points, p => Assert.Equal("memserve", p.Tags["gen_ai.provider.name"]));
            Assert.All(points, p => Assert.Equal("memserve-default", p.Tags["gen_ai.request.model"]));
            Assert.Equal(["chat", "text_completion"], points.Select(p => (string)p.Tags["gen_ai.operation.name"]!).Order());
        }
        Recorded[] tokens = [.. recorded.Where(r => r.Instrument == MemServeMetricNames.TokenUsage)];
        Assert.All(tokens, t => Assert.Equal("{token}", t.Unit));
        Assert.Equal([3.0, 3.0], tokens.Where(t => (string?)t.Tags["gen_ai.token.type"] == "output").Select(t => t.Value));
    }

    [Fact]
    public async Task FailedRequest_RecordsDurationWithErrorType()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        using MeterListener listener = Listen(services, out List<Recorded> recorded);
        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();

        Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(new GenerationRequest { Prompt = "x", MaxTokens = 0 }));

        Recorded duration = Assert.Single(recorded, r => r.Instrument == MemServeMetricNames.RequestDuration);
        Assert.Equal(typeof(InvalidRequestException).FullName, duration.Tags["error.type"]);
    }

    [Fact]
    public async Task ObservableInstruments_ReportEngineLoad()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        using MeterListener listener = Listen(services, out List<Recorded> recorded);
        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();
        await engine.CompleteAsync(new GenerationRequest { Prompt = "Hello", MaxTokens = 2, IgnoreEos = true });

        listener.RecordObservableInstruments();

        EngineStats stats = engine.GetStats();
        Assert.Equal(stats.KvBlocksTotal, Observed(recorded, MemServeMetricNames.KvBlocksFree, "{block}"));
        Assert.Equal(0, Observed(recorded, MemServeMetricNames.KvBlocksUsed, "{block}"));
        Assert.Equal(0, Observed(recorded, MemServeMetricNames.RequestsRunning, "{request}"));
        Assert.Equal(0, Observed(recorded, MemServeMetricNames.RequestsWaiting, "{request}"));
        Assert.Equal(0, Observed(recorded, MemServeMetricNames.KvCacheUsage, "1"));
        Assert.Equal(2, Observed(recorded, MemServeMetricNames.GeneratedTokens, "{token}"));
        Assert.Equal("memserve-default", recorded.First(r => r.Instrument == MemServeMetricNames.KvBlocksFree).Tags["memserve.model"]);
    }

    [Fact]
    public async Task DisposedEngine_IsNoLongerObserved()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        using MeterListener listener = Listen(services, out List<Recorded> recorded);
        await services.GetRequiredService<ILlmEngine>().DisposeAsync();

        listener.RecordObservableInstruments();

        Assert.DoesNotContain(recorded, r => r.Instrument == MemServeMetricNames.KvBlocksFree);
    }

    private static double Observed(List<Recorded> recorded, string name, string unit)
    {
        Recorded point = Assert.Single(recorded, r => r.Instrument == name);
        Assert.Equal(unit, point.Unit);
        return point.Value;
    }

    // Listens to the MemServe meter of this container only (meters from IMeterFactory are scoped to it).
    private static MeterListener Listen(IServiceProvider services, out List<Recorded> recorded)
    {
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        _ = services.GetRequiredService<MemServeMetrics>();
        var points = new List<Recorded>();
        recorded = points;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MemServeMetricNames.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags) map[tag.Key] = tag.Value;
            lock (points) points.Add(new Recorded(instrument.Name, instrument.Unit, value, map));
        }
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.Start();
        return listener;
    }
}
