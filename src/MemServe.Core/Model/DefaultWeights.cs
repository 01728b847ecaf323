using System.Runtime.InteropServices;

namespace MemServe.Model;

/// <summary>
/// Generates the default model's weights: BF16, Hugging Face tensor names, PyTorch Linear shapes
/// <c>[out_features, in_features]</c>. One SplitMix64 stream with a constant seed fills the tensors in a
/// fixed order, so every call yields identical bytes. Projections and embeddings are normal-ish with
/// std 0.02; the projections that write into the residual stream (o_proj, down_proj) are scaled by
/// 1/√(2·layers) so the stream stays near unit scale through all layers; RMSNorm weights are 1.
/// </summary>
internal static class DefaultWeights
{
    private const ulong Seed = 0x4D65_6D53_6572_7665UL; // "MemServe"
    private const float Std = 0.02f;

    public static InMemoryTensorSource Create(ModelConfig config)
    {
        var source = new InMemoryTensorSource();
        try
        {
            var rng = new SplitMix64(Seed);
            int hidden = config.HiddenSize;
            float residualStd = Std / MathF.Sqrt(2f * config.NumLayers);

            Random(source, ref rng, "model.embed_tokens.weight", Std, config.VocabSize, hidden);
            for (int layer = 0; layer < config.NumLayers; layer++)
            {
                string p = $"model.layers.{layer}.";
                Random(source, ref rng, p + "self_attn.q_proj.weight", Std, config.QueryDim, hidden);
                Random(source, ref rng, p + "self_attn.k_proj.weight", Std, config.KvDim, hidden);
                Random(source, ref rng, p + "self_attn.v_proj.weight", Std, config.KvDim, hidden);
                Random(source, ref rng, p + "self_attn.o_proj.weight", residualStd, hidden, config.QueryDim);
                Random(source, ref rng, p + "mlp.gate_proj.weight", Std, config.IntermediateSize, hidden);
                Random(source, ref rng, p + "mlp.up_proj.weight", Std, config.IntermediateSize, hidden);
                Random(source, ref rng, p + "mlp.down_proj.weight", residualStd, hidden, config.IntermediateSize);
                Ones(source, p + "input_layernorm.weight", hidden);
                Ones(source, p + "post_attention_layernorm.weight", hidden);
            }
            Ones(source, "model.norm.weight", hidden);
            if (!config.TieWordEmbeddings)
            {
                Random(source, ref rng, "lm_head.weight", Std, config.VocabSize, hidden);
            }
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static void Random(InMemoryTensorSource source, ref SplitMix64 rng, string name, float std, int rows, int cols)
    {
        Span<ushort> values = MemoryMarshal.Cast<byte, ushort>(source.Add(name, DType.BF16, rows, cols));
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = HalfPrecision.FloatToBF16(std * rng.NextNormalish());
        }
    }

    private static void Ones(InMemoryTensorSource source, string name, int length)
    {
        MemoryMarshal.Cast<byte, ushort>(source.Add(name, DType.BF16, length)).Fill(HalfPrecision.FloatToBF16(1f));
    }
}
