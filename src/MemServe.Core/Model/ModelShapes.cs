namespace MemServe.Model;

/// <summary>
/// Llama-architecture shapes of well-known small models, for benchmarks with random weights (see
/// docs/performance.md and the CPU baseline): <c>S</c> like SmolLM2-135M, <c>M</c> like Qwen2.5-0.5B without
/// q/k/v biases, <c>L</c> like TinyLlama-1.1B, and a hidden <c>tiny</c> one for tests.
/// </summary>
public static class ModelShapes
{
    /// <summary>The shape names <see cref="Get"/> accepts (case-insensitive), tiny included.</summary>
    public static IReadOnlyList<string> Names { get; } = ["S", "M", "L", "tiny"];

    /// <summary>The configuration of shape <paramref name="name"/>; throws <see cref="ArgumentException"/> for unknown names.</summary>
    public static ModelConfig Get(string name) => name.ToUpperInvariant() switch
    {
        "S" => Llama(hidden: 576, layers: 30, heads: 9, kvHeads: 3, ffn: 1536, vocab: 49152, theta: 1e5, eps: 1e-5, tied: true),
        "M" => Llama(hidden: 896, layers: 24, heads: 14, kvHeads: 2, ffn: 4864, vocab: 151936, theta: 1e6, eps: 1e-6, tied: true),
        "L" => Llama(hidden: 2048, layers: 22, heads: 32, kvHeads: 4, ffn: 5632, vocab: 32000, theta: 1e4, eps: 1e-5, tied: false),
        "TINY" => Llama(hidden: 128, layers: 2, heads: 4, kvHeads: 2, ffn: 200, vocab: 300, theta: 1e4, eps: 1e-5, tied: true),
        _ => throw new ArgumentException($"unknown shape '{name}' (expected S, M or L)", nameof(name)),
    };

    /// <summary>Parameters of a shape: matrices plus norm vectors (the embedding counted once when tied).</summary>
    public static long ParameterCount(ModelConfig c)
    {
        long h = c.HiddenSize, perLayer = h * c.QueryDim * 2 + h * c.KvDim * 2 + 3 * h * c.IntermediateSize + 2 * h;
        return (long)c.VocabSize * h * (c.TieWordEmbeddings ? 1 : 2) + c.NumLayers * perLayer + h;
    }

    private static ModelConfig Llama(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, double theta, double eps, bool tied) => new()
    {
        ModelType = "llama",
        HiddenSize = hidden,
        IntermediateSize = ffn,
        NumLayers = layers,
        NumHeads = heads,
        NumKvHeads = kvHeads,
        HeadDim = hidden / heads,
        VocabSize = vocab,
        MaxPositionEmbeddings = 4096,
        RmsNormEps = eps,
        RopeTheta = theta,
        TieWordEmbeddings = tied,
    };
}
