using System.Numerics.Tensors;

namespace MemServe.Compute;

/// <summary>
/// The straightforward form of <see cref="PagedAttention"/>: the slow reference every kernel path's tiles are tested
/// (and benchmarked) against; no production path runs it. Causal attention for a batch over paged KV (chunked prefill and decode alike): a new token at position
/// p attends to positions 0..p of its own sequence (its K/V must already be written). Work items are
/// (token, kv head); the query heads of a GQA group are processed together, so each K/V vector is loaded
/// once per group. Softmax runs block by block with a running max (exact, FP32).
/// </summary>
internal static unsafe class PagedAttentionScalar
{
    /// <summary>Per-thread workspace floats for a group of <paramref name="groupSize"/> heads.</summary>
    public static int WorkspaceFloats(int groupSize, int headDim, int blockTokens) =>
        (groupSize * (headDim + blockTokens + 2) + 15) & ~15;

    /// <summary>Runs attention for every (token, kv head) on <paramref name="pool"/>.</summary>
    public static void Run(ComputeThreadPool pool, ref AttentionArgs args)
    {
        int items = args.Tokens * args.NumKvHeads;
        fixed (AttentionArgs* p = &args) pool.Run(&Body, p, items, Math.Max(1, items / (pool.ThreadCount * 8)));
    }

    private static void Body(void* context, int begin, int end, int thread)
    {
        var a = (AttentionArgs*)context;
        for (int item = begin; item < end; item++) One(a, item / a->NumKvHeads, item % a->NumKvHeads, thread);
    }

    private static void One(AttentionArgs* a, int token, int kvHead, int thread)
    {
        int hd = a->HeadDim, bt = a->BlockTokens;
        int group = a->NumHeads / a->NumKvHeads;
        int qDim = a->NumHeads * hd;
        float* ws = a->Workspace + (long)thread * a->WorkspaceFloats;
        float* acc = ws;                       // (group, hd)
        float* scores = acc + group * hd;      // (group, bt)
        float* max = scores + group * bt;      // (group)
        float* sum = max + group;              // (group)
        float* q = a->Q + (long)token * qDim + kvHead * group * hd;
        float* kRow = stackalloc float[hd], vRow = stackalloc float[hd]; // BF16 rows widened
        new Span<float>(acc, group * hd).Clear();
        for (int g = 0; g < group; g++) { max[g] = float.NegativeInfinity; sum[g] = 0; }

        int last = a->Positions[token];
        int first = a->Window > 0 ? Math.Max(0, last - a->Window + 1) : 0;
        int* blocks = a->BlockIds + a->TokenBlocks[token];
        for (int b = first / bt; b * bt <= last; b++)
        {
            int j0 = Math.Max(0, first - b * bt);          // first visible slot of this block
            int n = Math.Min(bt, last + 1 - b * bt) - j0;   // visible slots
            byte* block = (byte*)(a->Arena + blocks[b] * a->BlockFloats);
            int eb = a->KvElementBytes == 2 ? 2 : 4; // 0 (unset) means FP32
            byte* k = block + (a->KOffset + (long)kvHead * a->HeadStride + (long)j0 * hd) * eb;
            byte* v = block + (a->VOffset + (long)kvHead * a->HeadStride + (long)j0 * hd) * eb;
            for (int j = 0; j < n; j++)
            {
                float* kj = Row(k, j, hd, eb, kRow);
                for (int g = 0; g < group; g++) scores[g * bt + j] = HeadVectors.Dot(q + g * hd, kj, hd) * a->Scale;
            }
            for (int g = 0; g < group; g++) Rescale(scores + g * bt, n, ref max[g], ref sum[g], acc + g * hd, hd);
            for (int j = 0; j < n; j++)
            {
                float* vj = Row(v, j, hd, eb, vRow);
                for (int g = 0; g < group; g++) HeadVectors.MultiplyAdd(acc + g * hd, scores[g * bt + j], vj, hd);
            }
        }
        float* o = a->Out + (long)token * qDim + kvHead * group * hd;
        for (int g = 0; g < group; g++)
        {
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(acc + g * hd, hd), 1f / sum[g], new Span<float>(o + g * hd, hd));
        }
    }

    /// <summary>Row <paramref name="j"/> of a head's K or V as FP32: in place for an FP32 cache, else widened into
    /// <paramref name="scratch"/>.</summary>
    private static float* Row(byte* head, int j, int hd, int elementBytes, float* scratch)
    {
        if (elementBytes == 4) return (float*)head + (long)j * hd;
        for (int d = 0; d < hd; d++) scratch[d] = Bf16Loader.Load1(head, j * hd + d);
        return scratch;
    }

    /// <summary>Online softmax step: turns a block's scores into exp(s - newMax), rescales the running
    /// sum and accumulator when the max grows.</summary>
    private static void Rescale(float* s, int n, ref float max, ref float sum, float* acc, int hd)
    {
        var span = new Span<float>(s, n);
        float newMax = Math.Max(max, TensorPrimitives.Max(span));
        if (newMax > max)
        {
            float correction = MathF.Exp(max - newMax); // exp(-inf) = 0 on the first block
            sum *= correction;
            var accSpan = new Span<float>(acc, hd);
            TensorPrimitives.Multiply(accSpan, correction, accSpan);
            max = newMax;
        }
        TensorPrimitives.Subtract(span, newMax, span);
        TensorPrimitives.Exp(span, span);
        sum += TensorPrimitives.Sum(span);
    }
}
