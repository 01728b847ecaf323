using BenchmarkDotNet.Attributes;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Benchmarks;

/// <summary>
/// Logprobs of one token from a vocabulary-sized logits row (S 49152, M 151936): log-softmax plus the top
/// <see cref="Top"/> alternatives by partial selection, as the engine computes them per token when a request asks.
/// Compare with <see cref="SamplingBenchmarks"/> for the cost relative to sampling itself.
/// </summary>
[MemoryDiagnoser]
public class LogprobBenchmarks
{
    private float[] _logits = [];
    private LogprobCalculator _calculator = null!;

    [Params(49152, 151936)]
    public int Vocab { get; set; }

    [Params(0, 5, 20)]
    public int Top { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        _logits = new float[Vocab];
        for (int i = 0; i < Vocab; i++) _logits[i] = (float)(random.NextDouble() * 20 - 10);
        _calculator = new LogprobCalculator(Vocab);
    }

    [Benchmark]
    public TokenLogprobs Compute() => _calculator.Compute(_logits, 17, Top);
}
