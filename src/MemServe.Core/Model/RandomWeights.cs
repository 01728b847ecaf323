using System.Runtime.InteropServices;

namespace MemServe.Model;

/// <summary>
/// Random weights for any Llama <see cref="ModelConfig"/> in F32, F16 or BF16, generated in memory for
/// benchmarks: deterministic (each 64 Ki-element chunk of each tensor has its own <see cref="SplitMix64"/>
/// stream, so the bytes do not depend on the thread count) and fast (chunks are filled in parallel).
/// Scales as <see cref="DefaultWeights"/>: std 0.02, residual projections scaled by 1/√(2·layers), norms 1.
/// </summary>
public static class RandomWeights
{
    private const int ChunkElements = 1 << 16;
    private const float Std = 0.02f;

    /// <summary>Creates every tensor of <paramref name="config"/> (no q/k/v biases, no q/k norms) as <paramref name="dtype"/>.</summary>
    public static InMemoryTensorSource Create(ModelConfig config, DType dtype, ulong seed = 0x5EED)
    {
        ArgumentNullException.ThrowIfNull(config);
        var source = new InMemoryTensorSource();
        try
        {
            var fills = new List<(string Name, float Std)>();
            int h = config.HiddenSize;
            float residual = Std / MathF.Sqrt(2f * config.NumLayers);
            void Matrix(string name, float std, int rows, int cols)
            {
                source.Add(name, dtype, rows, cols);
                fills.Add((name, std));
            }
            Matrix("model.embed_tokens.weight", Std, config.VocabSize, h);
            for (int l = 0; l < config.NumLayers; l++)
            {
                string p = $"model.layers.{l}.";
                Matrix(p + "self_attn.q_proj.weight", Std, config.QueryDim, h);
                Matrix(p + "self_attn.k_proj.weight", Std, config.KvDim, h);
                Matrix(p + "self_attn.v_proj.weight", Std, config.KvDim, h);
                Matrix(p + "self_attn.o_proj.weight", residual, h, config.QueryDim);
                Matrix(p + "mlp.gate_proj.weight", Std, config.IntermediateSize, h);
                Matrix(p + "mlp.up_proj.weight", Std, config.IntermediateSize, h);
                Matrix(p + "mlp.down_proj.weight", residual, h, config.IntermediateSize);
                Ones(source, p + "input_layernorm.weight", dtype, h);
                Ones(source, p + "post_attention_layernorm.weight", dtype, h);
            }
            Ones(source, "model.norm.weight", dtype, h);
            if (!config.TieWordEmbeddings) Matrix("lm_head.weight", Std, config.VocabSize, h);

            var chunks = new List<(TensorRef Tensor, float Std, long Start, ulong Seed)>();
            for (int i = 0; i < fills.Count; i++)
            {
                source.TryGetTensor(fills[i].Name, out TensorRef t);
                for (long start = 0; start < t.ElementCount; start += ChunkElements)
                {
                    chunks.Add((t, fills[i].Std, start, seed + ((ulong)i << 32) + (ulong)(start / ChunkElements)));
                }
            }
            Parallel.For(0, chunks.Count, k => Fill(chunks[k].Tensor, dtype, chunks[k].Std, chunks[k].Start, chunks[k].Seed));
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static unsafe void Fill(TensorRef t, DType dtype, float std, long start, ulong seed)
    {
        var rng = new SplitMix64(seed * 0x9E37_79B9_7F4A_7C15UL);
        int count = (int)Math.Min(ChunkElements, t.ElementCount - start);
        for (int i = 0; i < count; i++)
        {
            float v = std * rng.NextNormalish();
            long e = start + i;
            switch (dtype)
            {
                case DType.F32: ((float*)t.Pointer)[e] = v; break;
                case DType.F16: ((Half*)t.Pointer)[e] = (Half)v; break;
                default: ((ushort*)t.Pointer)[e] = HalfPrecision.FloatToBF16(v); break;
            }
        }
    }

    private static void Ones(InMemoryTensorSource source, string name, DType dtype, int length)
    {
        Span<byte> bytes = source.Add(name, dtype, length);
        switch (dtype)
        {
            case DType.F32: MemoryMarshal.Cast<byte, float>(bytes).Fill(1f); break;
            case DType.F16: MemoryMarshal.Cast<byte, Half>(bytes).Fill((Half)1f); break;
            default: MemoryMarshal.Cast<byte, ushort>(bytes).Fill(HalfPrecision.FloatToBF16(1f)); break;
        }
    }
}
