using BenchmarkDotNet.Attributes;
using MemServe.Constraints;
using MemServe.Tokenization;

namespace MemServe.Benchmarks;

/// <summary>
/// Constrained decoding over the qwen3 vocabulary (151,669 tokens): for every token of a realistic JSON document
/// (the tokenizer's own encoding of it), mask the 151,936 logits, then accept the token. Warm: the constraint's mask
/// cache already holds the document's states (a repeated schema); cold: the cache is emptied before each document
/// (a new schema). Results are per token (OperationsPerInvoke = document tokens).
/// </summary>
[MemoryDiagnoser]
public class ConstraintBenchmarks
{
    private const string Schema = """
        {"type":"object","properties":{
          "name":{"type":"string"},"age":{"type":"integer"},"email":{"type":"string"},
          "tags":{"type":"array","items":{"type":"string"},"maxItems":8},
          "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},"zip":{"type":"string"}},"required":["street","city"],"additionalProperties":false},
          "active":{"type":"boolean"},"score":{"type":["number","null"]},"role":{"enum":["admin","user","guest"]}},
         "required":["name","age","tags","address","active","role"],"additionalProperties":false}
        """;

    private const string Document = """
        {"name": "Dr. Émilie Zoë Carter-Nakamura", "age": 42, "email": "emilie.carter@example.org", "tags": ["research", "machine learning", "東京", "hiking 🏔"], "address": {"street": "1200 Pennsylvania Avenue, Apt. 4B", "city": "Washington", "zip": "20004"}, "active": true, "score": 97.25, "role": "admin"}
        """;

    private TokenVocabulary _vocabulary = null!;
    private OutputConstraint _constraint = null!;
    private int[] _tokens = [];
    private float[] _logits = [];

    /// <summary>Tokens in the document (per-token results divide by it).</summary>
    public const int DocumentTokens = 113;

    [GlobalSetup]
    public void Setup()
    {
        var tokenizer = Tokenizer.Load(FindQwen3());
        _vocabulary = TokenVocabulary.FromTokenizer(tokenizer);
        _constraint = OutputConstraint.FromJsonSchema(Schema);
        _tokens = tokenizer.Encode(Document.Trim());
        if (_tokens.Length != DocumentTokens)
            throw new InvalidOperationException($"the document is {_tokens.Length} tokens; update DocumentTokens");
        _logits = new float[151_936];
        var matcher = new ConstraintMatcher(_constraint, _vocabulary); // fills the cache for the warm runs
        foreach (int token in _tokens)
        {
            Array.Clear(_logits);
            matcher.MaskLogits(_logits);
            if (float.IsNegativeInfinity(_logits[token]))
                throw new InvalidOperationException($"token {token} is masked");
            matcher.Accept(token);
        }
        if (!matcher.MustEnd)
            throw new InvalidOperationException("the document did not end the grammar");
    }

    [Benchmark(OperationsPerInvoke = DocumentTokens)]
    public bool MaskAndAcceptWarm() => Walk();

    [Benchmark(OperationsPerInvoke = DocumentTokens)]
    public bool MaskAndAcceptCold()
    {
        _constraint.ClearMaskCaches();
        return Walk();
    }

    private bool Walk()
    {
        var matcher = new ConstraintMatcher(_constraint, _vocabulary);
        foreach (int token in _tokens)
        {
            matcher.MaskLogits(_logits); // the logits are not refreshed: masking costs the same either way
            matcher.Accept(token);
        }
        return matcher.MustEnd;
    }

    private static string FindQwen3()
    {
        string? shared = Environment.GetEnvironmentVariable("MEMSERVE_SHARED_DIR");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); shared is null && dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "testdata", "tokenizers", "qwen3")))
                shared = candidate;
        }
        return Path.Combine(shared ?? throw new DirectoryNotFoundException("no shared/testdata/tokenizers/qwen3 found; set MEMSERVE_SHARED_DIR"),
            "testdata", "tokenizers", "qwen3");
    }
}
