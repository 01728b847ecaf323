using System.Diagnostics;
using System.Diagnostics.Metrics;
using MemServe.Engine;
using static MemServe.Extensions.MemServeMetricNames;

namespace MemServe.Extensions;

/// <summary>
/// The instruments of the <see cref="MeterName"/> meter, created once per container from
/// <see cref="IMeterFactory"/>. Per-request histograms are recorded by <see cref="MeteredLlmEngine"/>;
/// the observable instruments read <see cref="ILlmEngine.GetStats"/> of every registered engine when a
/// listener collects. Thread-safe.
/// </summary>
internal sealed class MemServeMetrics
{
    // Advised bucket boundaries of the OpenTelemetry GenAI semantic conventions.
    private static readonly double[] s_durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] s_ttftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly double[] s_tpotBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];
    private static readonly long[] s_tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Histogram<long> _tokenUsage;
    private readonly Counter<long> _prefixCacheHitTokens;
    private readonly Lock _gate = new();
    private ILlmEngine[] _engines = [];

    public MemServeMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);
        _duration = meter.CreateHistogram(RequestDuration, "s", "Time from submission to the last token of a request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _timeToFirstToken = meter.CreateHistogram(TimeToFirstToken, "s", "Time from submission to the first token (queue and prefill).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_ttftBuckets });
        _timePerOutputToken = meter.CreateHistogram(TimePerOutputToken, "s", "Decode time per output token after the first.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_tpotBuckets });
        _tokenUsage = meter.CreateHistogram(TokenUsage, "{token}", "Prompt and output tokens per request.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_tokenBuckets });
        _prefixCacheHitTokens = meter.CreateCounter<long>(PrefixCacheHitTokens, "{token}", "Prompt tokens served from the prefix cache.");

        meter.CreateObservableUpDownCounter(RequestsRunning, () => Observe(s => s.Running), "{request}", "Requests holding KV blocks.");
        meter.CreateObservableUpDownCounter(RequestsWaiting, () => Observe(s => s.Waiting), "{request}", "Requests waiting for admission.");
        meter.CreateObservableUpDownCounter(KvBlocksUsed, () => Observe(s => s.KvBlocksUsed), "{block}", "KV blocks in use.");
        meter.CreateObservableUpDownCounter(KvBlocksFree, () => Observe(s => s.KvBlocksFree), "{block}", "KV blocks free.");
        meter.CreateObservableGauge(KvCacheUsage, ObserveKvUsage, "1", "Fraction of KV blocks in use.");
        meter.CreateObservableCounter(GeneratedTokens, () => Observe(s => s.TotalGeneratedTokens), "{token}", "Tokens generated since start.");
        meter.CreateObservableCounter(PromptTokens, () => Observe(s => s.TotalPromptTokens), "{token}", "Prompt tokens admitted since start.");
    }

    /// <summary>Makes <paramref name="engine"/> visible to the observable instruments.</summary>
    public void Register(ILlmEngine engine)
    {
        lock (_gate) _engines = [.. _engines, engine];
    }

    /// <summary>Stops observing <paramref name="engine"/> (before it is disposed).</summary>
    public void Unregister(ILlmEngine engine)
    {
        lock (_gate) _engines = Array.FindAll(_engines, e => !ReferenceEquals(e, engine));
    }

    /// <summary>Records one finished request.</summary>
    public void RecordCompleted(string operation, string model, GenerationUsage usage, GenerationTimings timings)
    {
        TagList tags = RequestTags(operation, model);
        double total = timings.Total.TotalSeconds;
        double ttft = timings.TimeToFirstToken.TotalSeconds;
        _duration.Record(total, tags);
        _timeToFirstToken.Record(ttft, tags);
        if (usage.OutputTokens > 1) _timePerOutputToken.Record(Math.Max(0, total - ttft) / (usage.OutputTokens - 1), tags);

        TagList input = tags;
        input.Add(TokenType, "input");
        _tokenUsage.Record(usage.PromptTokens, input);
        TagList output = tags;
        output.Add(TokenType, "output");
        _tokenUsage.Record(usage.OutputTokens, output);
        if (usage.CachedPromptTokens > 0) _prefixCacheHitTokens.Add(usage.CachedPromptTokens, tags);
    }

    /// <summary>Records one finished embedding request: its duration and input tokens.</summary>
    public void RecordEmbedded(string model, int promptTokens, TimeSpan elapsed)
    {
        TagList tags = RequestTags(EmbeddingsOperation, model);
        _duration.Record(elapsed.TotalSeconds, tags);
        tags.Add(TokenType, "input");
        _tokenUsage.Record(promptTokens, tags);
    }

    /// <summary>Records the duration of a request that failed or was cancelled.</summary>
    public void RecordFailed(string operation, string model, TimeSpan elapsed, Exception error)
    {
        TagList tags = RequestTags(operation, model);
        tags.Add(ErrorType, error.GetType().FullName);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    private static TagList RequestTags(string operation, string model) => new()
    {
        { OperationName, operation },
        { ProviderName, ProviderNameValue },
        { RequestModel, model },
    };

    private IEnumerable<Measurement<long>> Observe(Func<EngineStats, long> read)
    {
        ILlmEngine[] engines = Volatile.Read(ref _engines);
        var measurements = new Measurement<long>[engines.Length];
        for (int i = 0; i < engines.Length; i++)
        {
            measurements[i] = new Measurement<long>(read(engines[i].GetStats()), new KeyValuePair<string, object?>(EngineModel, engines[i].ModelInfo.Name));
        }
        return measurements;
    }

    private IEnumerable<Measurement<double>> ObserveKvUsage()
    {
        ILlmEngine[] engines = Volatile.Read(ref _engines);
        var measurements = new Measurement<double>[engines.Length];
        for (int i = 0; i < engines.Length; i++)
        {
            EngineStats stats = engines[i].GetStats();
            double usage = stats.KvBlocksTotal == 0 ? 0 : (double)stats.KvBlocksUsed / stats.KvBlocksTotal;
            measurements[i] = new Measurement<double>(usage, new KeyValuePair<string, object?>(EngineModel, engines[i].ModelInfo.Name));
        }
        return measurements;
    }
}
