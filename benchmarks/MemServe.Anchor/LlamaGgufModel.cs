using MemServe.Anchor.Gguf;
using MemServe.Model;

namespace MemServe.Anchor;

/// <summary>
/// A llama-architecture GGUF of a <see cref="ModelConfig"/> with random, deterministic weights (std 0.02,
/// residual projections scaled by 1/√(2·layers), norms 1, as MemServe's <c>RandomWeights</c>), in llama.cpp's
/// tensor names and metadata keys. With tied embeddings there is no <c>output.weight</c>.
/// </summary>
internal static class LlamaGgufModel
{
    private const float Std = 0.02f;

    public static GgufWriter Build(ModelConfig c, WeightFormat format, string name, ulong seed = 0x5EED)
    {
        var w = new GgufWriter();
        w.Add("general.architecture", "llama");
        w.Add("general.name", name);
        w.Add("general.alignment", (uint)GgufWriter.Alignment);
        w.Add("general.file_type", format.FileType);
        w.Add("llama.context_length", (uint)c.MaxPositionEmbeddings);
        w.Add("llama.embedding_length", (uint)c.HiddenSize);
        w.Add("llama.block_count", (uint)c.NumLayers);
        w.Add("llama.feed_forward_length", (uint)c.IntermediateSize);
        w.Add("llama.attention.head_count", (uint)c.NumHeads);
        w.Add("llama.attention.head_count_kv", (uint)c.NumKvHeads);
        w.Add("llama.attention.key_length", (uint)c.HeadDim);
        w.Add("llama.attention.value_length", (uint)c.HeadDim);
        w.Add("llama.rope.dimension_count", (uint)c.HeadDim);
        w.Add("llama.rope.freq_base", (float)c.RopeTheta);
        w.Add("llama.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        w.Add("llama.vocab_size", (uint)c.VocabSize);

        var vocab = new SentencePieceVocab(c.VocabSize);
        w.Add("tokenizer.ggml.model", "llama");
        w.Add("tokenizer.ggml.tokens", vocab.Tokens);
        w.Add("tokenizer.ggml.scores", vocab.Scores);
        w.Add("tokenizer.ggml.token_type", vocab.TokenTypes);
        w.Add("tokenizer.ggml.bos_token_id", (uint)SentencePieceVocab.Bos);
        w.Add("tokenizer.ggml.eos_token_id", (uint)SentencePieceVocab.Eos);
        w.Add("tokenizer.ggml.unknown_token_id", (uint)SentencePieceVocab.Unknown);
        w.Add("tokenizer.ggml.add_bos_token", false);

        long h = c.HiddenSize, q = c.QueryDim, kv = c.KvDim, ffn = c.IntermediateSize;
        float residual = Std / MathF.Sqrt(2f * c.NumLayers);
        ulong index = 0;
        void Matrix(string tensor, long inner, long outer, float std) =>
            w.AddTensor(tensor, format.MatrixType, [inner, outer], RandomFill(seed + (++index << 32), std));
        void Norm(string tensor) => w.AddTensor(tensor, GgmlType.F32, [h], static (_, d) => d.Fill(1f));

        Matrix("token_embd.weight", h, c.VocabSize, Std);
        for (int l = 0; l < c.NumLayers; l++)
        {
            string b = $"blk.{l}.";
            Norm(b + "attn_norm.weight");
            Matrix(b + "attn_q.weight", h, q, Std);
            Matrix(b + "attn_k.weight", h, kv, Std);
            Matrix(b + "attn_v.weight", h, kv, Std);
            Matrix(b + "attn_output.weight", q, h, residual);
            Norm(b + "ffn_norm.weight");
            Matrix(b + "ffn_gate.weight", h, ffn, Std);
            Matrix(b + "ffn_up.weight", h, ffn, Std);
            Matrix(b + "ffn_down.weight", ffn, h, residual);
        }
        Norm("output_norm.weight");
        if (!c.TieWordEmbeddings) Matrix("output.weight", h, c.VocabSize, Std);
        return w;
    }

    /// <summary>Values std·N(0,1)-ish; each range's generator is seeded from the tensor and the range start, so the
    /// bytes do not depend on the thread count.</summary>
    private static TensorFill RandomFill(ulong tensorSeed, float std) => (start, destination) =>
    {
        var rng = new SplitMix64((tensorSeed ^ (ulong)start) * 0x9E37_79B9_7F4A_7C15UL);
        for (int i = 0; i < destination.Length; i++) destination[i] = std * rng.NextNormalish();
    };
}
