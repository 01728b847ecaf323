using System.Runtime.InteropServices;

namespace MemServe.Model;

/// <summary>
/// Generates the default model's weights: BF16, Hugging Face tensor names, PyTorch Linear shapes
/// <c>[out_features, in_features]</c>. Each tensor is filled from its own SplitMix64 stream, seeded from a
/// constant and the tensor's position in a fixed order, so the bytes are identical on every call and do
/// not depend on how the fill is spread over threads. Projections and embeddings are normal-ish with
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
            var randomFills = new List<(string Name, float Std)>();
            int hidden = config.HiddenSize;
            float residualStd = Std / MathF.Sqrt(2f * config.NumLayers);

            Random(source, randomFills, "model.embed_tokens.weight", Std, config.VocabSize, hidden);
            for (int layer = 0; layer < config.NumLayers; layer++)
            {
                string p = $"model.layers.{layer}.";
                Random(source, randomFills, p + "self_attn.q_proj.weight", Std, config.QueryDim, hidden);
                Random(source, randomFills, p + "self_attn.k_proj.weight", Std, config.KvDim, hidden);
                Random(source, randomFills, p + "self_attn.v_proj.weight", Std, config.KvDim, hidden);
                Random(source, randomFills, p + "self_attn.o_proj.weight", residualStd, hidden, config.QueryDim);
                Random(source, randomFills, p + "mlp.gate_proj.weight", Std, config.IntermediateSize, hidden);
                Random(source, randomFills, p + "mlp.up_proj.weight", Std, config.IntermediateSize, hidden);
                Random(source, randomFills, p + "mlp.down_proj.weight", residualStd, hidden, config.IntermediateSize);
                Ones(source, p + "input_layernorm.weight", hidden);
                Ones(source, p + "post_attention_layernorm.weight", hidden);
            }
            Ones(source, "model.norm.weight", hidden);
            if (!config.TieWordEmbeddings)
            {
                Random(source, randomFills, "lm_head.weight", Std, config.VocabSize, hidden);
            }

            // Tensors were all allocated above (the source is not thread-safe to add to); filling is.
            Parallel.For(0, randomFills.Count, i =>
            {
                source.TryGetTensor(randomFills[i].Name, out TensorRef tensor);
                Fill(tensor, randomFills[i].Std, new SplitMix64(Seed + (ulong)i * 0x9E37_79B9_7F4A_7C15UL));
            });
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static void Random(InMemoryTensorSource source, List<(string, float)> fills, string name, float std, int rows, int cols)
    {
        source.Add(name, DType.BF16, rows, cols);
        fills.Add((name, std));
    }

    private static unsafe void Fill(TensorRef tensor, float std, SplitMix64 rng)
    {
        var values = new Span<ushort>((void*)tensor.Pointer, checked((int)tensor.ElementCount));
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
