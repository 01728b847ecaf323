using System.Diagnostics.Metrics;
using MemServe.Engine;
using MemServe.Extensions.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.Embeddings;

/// <summary>Embedding requests through the container's engine record the <c>embeddings</c> operation.</summary>
public sealed class EmbeddingMetricsTests
{
    private sealed record Recorded(string Instrument, double Value, Dictionary<string, object?> Tags);

    [Fact]
    public async Task Embeddings_RecordDurationAndInputTokensUnderTheEmbeddingsOperation()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        using MeterListener listener = Listen(services, out List<Recorded> recorded);
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(["one input", "and another"]);
        await Assert.ThrowsAsync<InvalidRequestException>(() => generator.GenerateAsync([""]));

        Recorded[] durations = [.. recorded.Where(r => r.Instrument == MemServeMetricNames.RequestDuration)];
        Assert.Equal(2, durations.Length);
        Assert.All(durations, d => Assert.Equal("embeddings", d.Tags["gen_ai.operation.name"]));
        Assert.Single(durations, d => Equals(d.Tags.GetValueOrDefault("error.type"), typeof(InvalidRequestException).FullName));
        Recorded tokens = Assert.Single(recorded, r => r.Instrument == MemServeMetricNames.TokenUsage);
        Assert.Equal("input", tokens.Tags["gen_ai.token.type"]);
        Assert.Equal((double)embeddings.Usage!.InputTokenCount!, tokens.Value);
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
            lock (points) points.Add(new Recorded(instrument.Name, value, map));
        }
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.Start();
        return listener;
    }
}
