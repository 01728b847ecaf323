using BenchmarkDotNet.Attributes;
using MemServe.Tokenization;

namespace MemServe.Benchmarks;

/// <summary>Encoding and decoding a ~4 KB English text with the embedded default tokenizer (byte-level BPE).</summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private Tokenizer _tokenizer = null!;
    private string _text = null!;
    private int[] _ids = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = Tokenizer.FromJson(MemServe.Model.DefaultModel.TokenizerJson, MemServe.Model.DefaultModel.TokenizerConfigJson);
        _text = string.Concat(Enumerable.Repeat("The engine keeps the KV cache of a conversation alive between turns, so the next turn only prefills what is new. ", 36));
        _ids = _tokenizer.Encode(_text);
    }

    [Benchmark]
    public int Encode() => _tokenizer.Encode(_text).Length;

    [Benchmark]
    public int Decode() => _tokenizer.Decode(_ids).Length;
}
