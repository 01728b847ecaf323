using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// One Llama decoder layer over the runner's scratch for a whole batch:
/// <c>x += o(attn(rope(q), rope(k), v))</c> on input_layernorm(x), then <c>x += down(silu(gate) * up)</c> on
/// post_attention_layernorm(x). Writes the new tokens' K (after RoPE) and V into their KV blocks before
/// attention, so chunked prefill and decode share one path. Not thread-safe (uses the runner's scratch).
/// </summary>
internal sealed unsafe class DecoderLayer(ModelConfig config, RunnerScratch s, ComputeThreadPool pool, MatMul matMul)
{
    private readonly float _eps = (float)config.RmsNormEps;

    /// <summary>Runs absolute layer <paramref name="layer"/>; <paramref name="attention"/> carries the batch's
    /// positions and block tables (the layer fills in its own offsets).</summary>
    public void Run(in LayerWeights w, int layer, int tokens, KvCacheLayout kv, ref AttentionArgs attention)
    {
        int h = config.HiddenSize, q = config.QueryDim, kvd = config.KvDim, f = config.IntermediateSize;
        RmsNorm.Rows(s.X, w.InputNorm, s.Xn, tokens, h, h, _eps);
        matMul.Run(s.Xn, h, tokens, new MatMulTarget(w.Q, w.QBias, s.Q, q), new MatMulTarget(w.K, w.KBias, s.K, kvd),
            new MatMulTarget(w.V, w.VBias, s.V, kvd));
        PrepareQk(w, tokens);
        WriteKv(layer, tokens, kv, ref attention);

        attention.KOffset = kv.Offset(layer, false, 0, 0);
        attention.VOffset = kv.Offset(layer, true, 0, 0);
        PagedAttention.Run(pool, ref attention);

        matMul.Run(s.Attention, q, tokens, w.O, null, s.Xn, h);
        AddInPlace(s.X, s.Xn, (long)tokens * h);

        RmsNorm.Rows(s.X, w.PostAttentionNorm, s.Xn, tokens, h, h, _eps);
        matMul.Run(s.Xn, h, tokens, new MatMulTarget(w.Gate, null, s.Gate, f), new MatMulTarget(w.Up, null, s.Up, f));
        if (tokens == 1) Activations.SwiGlu(s.Gate, s.Up, f);
        else Activations.SwiGluRows(pool, s.Gate, s.Up, tokens, f);
        matMul.Run(s.Gate, f, tokens, w.Down, null, s.Xn, h);
        AddInPlace(s.X, s.Xn, (long)tokens * h);
    }

    /// <summary>Per-head q/k RMSNorm (qwen3), then RoPE on every q and k head.</summary>
    private void PrepareQk(in LayerWeights w, int tokens)
    {
        int hd = config.HeadDim, heads = config.NumHeads, kvHeads = config.NumKvHeads;
        if (w.QNorm != null) RmsNorm.Rows(s.Q, w.QNorm, s.Q, tokens * heads, hd, hd, _eps);
        if (w.KNorm != null) RmsNorm.Rows(s.K, w.KNorm, s.K, tokens * kvHeads, hd, hd, _eps);
        for (int t = 0; t < tokens; t++)
        {
            float* table = s.RopeTable + (long)t * hd;
            Rope.Apply(s.Q + (long)t * heads * hd, heads, hd, table);
            Rope.Apply(s.K + (long)t * kvHeads * hd, kvHeads, hd, table);
        }
    }

    private void WriteKv(int layer, int tokens, KvCacheLayout kv, ref AttentionArgs a)
    {
        int hd = config.HeadDim, kvHeads = config.NumKvHeads, bt = kv.BlockTokens, eb = kv.ElementBytes;
        for (int t = 0; t < tokens; t++)
        {
            int pos = a.Positions[t];
            int block = a.BlockIds[a.TokenBlocks[t] + pos / bt];
            byte* blockStart = (byte*)(a.Arena + block * a.BlockFloats);
            for (int head = 0; head < kvHeads; head++)
            {
                long src = ((long)t * kvHeads + head) * hd;
                Store(s.K + src, blockStart + kv.Offset(layer, false, head, pos % bt) * eb, hd, eb);
                Store(s.V + src, blockStart + kv.Offset(layer, true, head, pos % bt) * eb, hd, eb);
            }
        }
    }

    // One head vector into the cache: copied for FP32, rounded to nearest even for BF16.
    private static void Store(float* source, byte* destination, int hd, int elementBytes)
    {
        if (elementBytes == 4) Buffer.MemoryCopy(source, destination, hd * sizeof(float), hd * sizeof(float));
        else HalfPrecision.ConvertFromF32(new ReadOnlySpan<float>(source, hd), DType.BF16, new Span<byte>(destination, hd * 2));
    }

    private static void AddInPlace(float* x, float* delta, long count)
    {
        var xs = new Span<float>(x, checked((int)count));
        System.Numerics.Tensors.TensorPrimitives.Add(xs, new ReadOnlySpan<float>(delta, (int)count), xs);
    }
}
