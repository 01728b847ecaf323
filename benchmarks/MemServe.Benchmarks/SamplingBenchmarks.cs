using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MemServe.Sampling;

namespace MemServe.Benchmarks;

/// <summary>
/// Sampling one token from a vocabulary-sized logits row (the baseline vocabularies: S 49152, M 151936):
/// greedy argmax and temperature + top-k + top-p. GB/s column: logits bytes ÷ time.
/// </summary>
[Config(typeof(Columns))]
public class SamplingBenchmarks
{
    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(new ThroughputColumn("GB/s", c => 4.0 * ThroughputColumn.Param<int>(c, nameof(Vocab))));
    }

    private static readonly SamplingParameters s_topKTopP = new() { Temperature = 0.8f, TopK = 40, TopP = 0.95f };
    private float[] _logits = [];
    private Sampler _sampler = null!;
    private Xoshiro256StarStar _rng;

    [Params(49152, 151936)]
    public int Vocab { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        _logits = new float[Vocab];
        for (int i = 0; i < Vocab; i++) _logits[i] = (float)(random.NextDouble() * 20 - 10);
        _sampler = new Sampler(Vocab);
        _rng = new Xoshiro256StarStar(7);
    }

    [Benchmark]
    public int Greedy() => Sampler.ArgMax(_logits);

    [Benchmark]
    public int TopKTopP() => _sampler.Sample(_logits, s_topKTopP, ref _rng, ReadOnlySpan<int>.Empty, 0);
}
