using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Inputs of one layer's causal attention over a paged KV cache. All pointers are borrowed for the call.
/// Block layout per <see cref="Memory.KvCacheLayout"/>: a head's K (or V) vectors of one block are
/// contiguous, <c>BlockTokens × HeadDim</c> floats, at <c>Arena + blockId × BlockFloats + KOffset/VOffset + kvHead × HeadStride</c>.
/// </summary>
internal unsafe struct AttentionArgs
{
    public float* Q;             // (tokens, NumHeads * HeadDim), after RoPE
    public float* Out;           // (tokens, NumHeads * HeadDim)
    public int Tokens;
    public int NumHeads;
    public int NumKvHeads;
    public int HeadDim;
    public float Scale;          // 1 / sqrt(HeadDim)
    public int* Positions;       // (tokens) absolute position of each new token
    public int* TokenBlocks;     // (tokens) index into BlockIds of the token's sequence's first block
    public int* BlockIds;        // flattened block tables
    public float* Arena;         // block 0 of the KV storage
    public long BlockFloats;
    public long KOffset;         // layer's K plane offset inside a block
    public long VOffset;         // layer's V plane offset inside a block
    public int HeadStride;       // BlockTokens * HeadDim
    public int BlockTokens;
    public int Window;           // sliding window in tokens (a query at p sees keys p-Window+1..p); 0 = unlimited
    public float* Workspace;     // (thread, WorkspaceFloats)
    public int WorkspaceFloats;
}

/// <summary>
/// Causal attention for a batch over paged KV (chunked prefill and decode alike): a new token at position
/// p attends to positions 0..p of its own sequence (its K/V must already be written). Work items are
/// (query tile, kv head): a tile is up to <see cref="TileTokens"/> consecutive new tokens of one sequence, and
/// its rows are every (token, query head of the GQA group), so each K/V block is read and transposed once per
/// tile. Per KV block, scores for all rows come from the transposed keys (16 keys per zmm, no horizontal sums),
/// then an online softmax (running max, exact FP32) and <c>acc += p · V</c>. Needs <see cref="Vector512"/>;
/// otherwise <see cref="PagedAttentionScalar"/> runs one (token, kv head) at a time.
/// </summary>
internal static unsafe class PagedAttention
{
    /// <summary>Query rows (tile tokens × GQA group) one work item handles at most.</summary>
    private const int MaxTileRows = 48;

    /// <summary>Tokens per tile for a GQA group of <paramref name="group"/> query heads.</summary>
    public static int TileTokens(int group) => Math.Max(1, MaxTileRows / group);

    /// <summary>Per-thread workspace floats for a group of <paramref name="groupSize"/> heads.</summary>
    public static int WorkspaceFloats(int groupSize, int headDim, int blockTokens)
    {
        int rows = TileTokens(groupSize) * groupSize, bt16 = (blockTokens + 15) & ~15;
        long floats = (long)headDim * bt16 + 2L * rows * headDim + (long)rows * bt16 + 2L * rows;
        return (int)Math.Max((floats + 15) & ~15, PagedAttentionScalar.WorkspaceFloats(groupSize, headDim, blockTokens));
    }

    /// <summary>Runs attention for every (tile, kv head) on <paramref name="pool"/>.</summary>
    public static void Run(ComputeThreadPool pool, ref AttentionArgs args)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            PagedAttentionScalar.Run(pool, ref args);
            return;
        }
        int tokens = args.Tokens, tileTokens = TileTokens(args.NumHeads / args.NumKvHeads);
        int[]? rented = null;
        Span<int> tiles = tokens < 1024 ? stackalloc int[tokens + 1] : (rented = new int[tokens + 1]);
        int count = 0;
        for (int t = 0; t < tokens;)
        {
            int start = t++;
            while (t < tokens && t - start < tileTokens && args.TokenBlocks[t] == args.TokenBlocks[start]
                && args.Positions[t] == args.Positions[t - 1] + 1)
            {
                t++;
            }
            tiles[count++] = start;
        }
        tiles[count] = tokens;
        fixed (int* tileStarts = tiles)
        fixed (AttentionArgs* argsPointer = &args)
        {
            var job = new Job { Args = argsPointer, TileStarts = tileStarts };
            pool.Run(&Body, &job, count * args.NumKvHeads, 1);
        }
        GC.KeepAlive(rented);
    }

    private struct Job
    {
        public AttentionArgs* Args;
        public int* TileStarts; // (tiles + 1) first token of each tile, then the token count
    }

    private static void Body(void* context, int begin, int end, int thread)
    {
        var job = (Job*)context;
        int kvHeads = job->Args->NumKvHeads;
        for (int item = begin; item < end; item++)
        {
            int tile = item / kvHeads;
            Tile(job->Args, job->TileStarts[tile], job->TileStarts[tile + 1], item % kvHeads, thread);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(AttentionArgs* a, int t0, int t1, int kvHead, int thread)
    {
        int hd = a->HeadDim, bt = a->BlockTokens, bt16 = (bt + 15) & ~15;
        int group = a->NumHeads / a->NumKvHeads, rows = (t1 - t0) * group, qDim = a->NumHeads * hd;
        float* kt = a->Workspace + (long)thread * a->WorkspaceFloats;  // (hd, bt16) keys of one block, transposed
        float* qs = kt + (long)hd * bt16;                                // (rows, hd) scaled queries
        float* acc = qs + (long)rows * hd;                               // (rows, hd)
        float* p = acc + (long)rows * hd;                                // (rows, bt16) probabilities of one block
        float* max = p + (long)rows * bt16;                              // (rows)
        float* sum = max + rows;                                         // (rows)
        for (int r = 0; r < rows; r++)
        {
            float* q = a->Q + (long)(t0 + r / group) * qDim + (kvHead * group + r % group) * hd;
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(q, hd), a->Scale, new Span<float>(qs + (long)r * hd, hd));
            max[r] = float.NegativeInfinity;
            sum[r] = 0;
        }
        new Span<float>(acc, rows * hd).Clear();
        new Span<float>(kt, hd * bt16).Clear();

        int p0 = a->Positions[t0], pLast = a->Positions[t1 - 1], window = a->Window;
        int first = window > 0 ? Math.Max(0, p0 - window + 1) : 0;
        int* blocks = a->BlockIds + a->TokenBlocks[t0];
        bool direct = rows < 4 && hd == 64 && bt == 16;
        for (int b = first / bt; b * bt <= pLast; b++)
        {
            int n = Math.Min(bt, pLast + 1 - b * bt);
            float* block = a->Arena + blocks[b] * a->BlockFloats;
            float* k = block + a->KOffset + kvHead * a->HeadStride;
            float* v = block + a->VOffset + kvHead * a->HeadStride;
            if ((b + 1) * bt <= pLast) PrefetchBlock(a, blocks[b + 1], kvHead, hd * bt);
            int blockStart = b * bt;
            if (direct)
            {
                // Decode with a small GQA group: a transpose per block would cost more than the rows' scores.
                for (int row = 0; row < rows; row++) RowBlockDirect(qs, k, acc, p, max, sum, v, row, p0 + row / group, bt, n, blockStart, window);
                continue;
            }
            Transpose(k, n, hd, kt, bt16);
            int r = 0;
            if (hd == 64)
            {
                // Four rows at a time share each transposed key and each V load (in prefill the load ports, not the
                // FMAs, bound one row at a time). Rows are token-major, so row r + 3 has the largest position.
                for (; r + 4 <= rows; r += 4)
                {
                    int pos0 = p0 + r / group, pos3 = p0 + (r + 3) / group;
                    if (blockStart > pos0 || (window > 0 && blockStart + bt <= pos3 - window + 1))
                    {
                        for (int row = r; row < r + 4; row++) RowBlock(qs, kt, acc, p, max, sum, v, row, p0 + row / group, hd, bt, bt16, n, blockStart, window);
                        continue;
                    }
                    float* pr = p + (long)r * bt16;
                    Vector128<float> blockMax = Scores4(qs + (long)r * hd, kt, bt, bt16, blockStart,
                        Vector128.Create(pos0, p0 + (r + 1) / group, p0 + (r + 2) / group, pos3), window, pr);
                    float c0 = Update(pr, bt16, blockMax.GetElement(0), ref max[r], ref sum[r]);
                    float c1 = Update(pr + bt16, bt16, blockMax.GetElement(1), ref max[r + 1], ref sum[r + 1]);
                    float c2 = Update(pr + 2 * bt16, bt16, blockMax.GetElement(2), ref max[r + 2], ref sum[r + 2]);
                    float c3 = Update(pr + 3 * bt16, bt16, blockMax.GetElement(3), ref max[r + 3], ref sum[r + 3]);
                    Accumulate64x4(acc + (long)r * hd, Vector128.Create(c0, c1, c2, c3), pr, bt16, v, Math.Min(n, pos3 + 1 - blockStart));
                }
            }
            for (; r < rows; r++) RowBlock(qs, kt, acc, p, max, sum, v, r, p0 + r / group, hd, bt, bt16, n, blockStart, window);
        }
        for (int r = 0; r < rows; r++)
        {
            float* o = a->Out + (long)(t0 + r / group) * qDim + (kvHead * group + r % group) * hd;
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(acc + (long)r * hd, hd), 1f / sum[r], new Span<float>(o, hd));
        }
    }

    /// <summary>Row <paramref name="r"/> (at position <paramref name="pos"/>) against one block: scores, online
    /// softmax update, <c>acc += p · V</c>; nothing when the row sees no key of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowBlock(float* qs, float* kt, float* acc, float* p, float* max, float* sum, float* v,
        int r, int pos, int hd, int bt, int bt16, int n, int blockStart, int window)
    {
        if (blockStart > pos || (window > 0 && blockStart + bt <= pos - window + 1)) return;
        float* pr = p + (long)r * bt16;
        float blockMax = Scores(qs + (long)r * hd, kt, hd, bt, bt16, blockStart, pos, window, pr);
        float correction = Update(pr, bt16, blockMax, ref max[r], ref sum[r]);
        int keys = Math.Min(n, pos + 1 - blockStart);
        if (hd == 64) Accumulate64(acc + (long)r * hd, correction, pr, v, keys);
        else Accumulate(acc + (long)r * hd, correction, pr, v, keys, hd);
    }

    /// <summary><see cref="RowBlock"/> for head_dim 64 and 16-token blocks straight from the untransposed keys: each
    /// key's 64-wide product is four vector FMAs, and the 16 keys' horizontal sums are one <see cref="VectorReductions.Sum16"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowBlockDirect(float* qs, float* k, float* acc, float* p, float* max, float* sum, float* v,
        int r, int pos, int bt, int n, int blockStart, int window)
    {
        if (blockStart > pos || (window > 0 && blockStart + bt <= pos - window + 1)) return;
        float* pr = p + (long)r * 16;
        float* q = qs + (long)r * 64;
        Vector512<float> q0 = Vector512.Load(q), q1 = Vector512.Load(q + 16), q2 = Vector512.Load(q + 32), q3 = Vector512.Load(q + 48);
        // Keys past n (not yet written) repeat key n - 1; the mask hides them.
        float* kLast = k + (long)Math.Min(15, n - 1) * 64;
        Vector512<float> s = VectorReductions.Sum16(
            KeyProduct(q0, q1, q2, q3, k), KeyProduct(q0, q1, q2, q3, Math.Min(1, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(2, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, Math.Min(3, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(4, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, Math.Min(5, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(6, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, Math.Min(7, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(8, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, Math.Min(9, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(10, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, Math.Min(11, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(12, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, Math.Min(13, n - 1) * 64 + k),
            KeyProduct(q0, q1, q2, q3, Math.Min(14, n - 1) * 64 + k), KeyProduct(q0, q1, q2, q3, kLast));
        var keyPos = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + Vector512.Create(blockStart);
        Vector512<float> masked = MaskedStore(s, keyPos, Math.Min(pos, blockStart + bt - 1), pos, window, pr);
        float correction = Update(pr, 16, VectorReductions.MaxAcross(masked), ref max[r], ref sum[r]);
        Accumulate64(acc + (long)r * 64, correction, pr, v, Math.Min(n, pos + 1 - blockStart));
    }

    /// <summary>q · k for one 64-wide key, as a vector of 16 partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> KeyProduct(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3, float* key) =>
        Vector512.FusedMultiplyAdd(q3, Vector512.Load(key + 48), Vector512.FusedMultiplyAdd(q2, Vector512.Load(key + 32),
            Vector512.FusedMultiplyAdd(q1, Vector512.Load(key + 16), q0 * Vector512.Load(key))));

    /// <summary>Online softmax step of one row: raises the running <paramref name="max"/> to the block's, turns the
    /// row's scores into exp(score − max) in place, adds them to <paramref name="sum"/>; returns the factor the
    /// row's accumulator must be scaled by (exp(−inf) = 0 on the row's first block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Update(float* pr, int bt16, float blockMax, ref float max, ref float sum)
    {
        float correction = 1f;
        if (blockMax > max)
        {
            correction = MathF.Exp(max - blockMax);
            max = blockMax;
        }
        sum = sum * correction + Exponentiate(pr, bt16, max);
        return correction;
    }

    /// <summary><see cref="Scores"/> for four consecutive rows (head_dim 64) sharing each transposed key load; every
    /// row must see at least one key of the block. Returns the four block maxes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Scores4(float* q, float* kt, int bt, int bt16, int blockStart, Vector128<int> pos, int window, float* s)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> m0 = Vector512.Create(float.NegativeInfinity), m1 = m0, m2 = m0, m3 = m0;
        int last = blockStart + bt - 1;
        for (int c = 0; c < bt16; c += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            float* col = kt + c;
            for (int d = 0; d < 64; d += 2)
            {
                Vector512<float> k0 = Vector512.Load(col + (long)d * bt16), k1 = Vector512.Load(col + (long)(d + 1) * bt16);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), k0, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[64 + d]), k0, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(q[128 + d]), k0, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(q[192 + d]), k0, a3);
                b0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 1]), k1, b0);
                b1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[64 + d + 1]), k1, b1);
                b2 = Vector512.FusedMultiplyAdd(Vector512.Create(q[128 + d + 1]), k1, b2);
                b3 = Vector512.FusedMultiplyAdd(Vector512.Create(q[192 + d + 1]), k1, b3);
            }
            Vector512<int> keyPos = lane + Vector512.Create(blockStart + c);
            m0 = Vector512.Max(m0, MaskedStore(a0 + b0, keyPos, Math.Min(pos.GetElement(0), last), pos.GetElement(0), window, s + c));
            m1 = Vector512.Max(m1, MaskedStore(a1 + b1, keyPos, Math.Min(pos.GetElement(1), last), pos.GetElement(1), window, s + bt16 + c));
            m2 = Vector512.Max(m2, MaskedStore(a2 + b2, keyPos, Math.Min(pos.GetElement(2), last), pos.GetElement(2), window, s + 2 * bt16 + c));
            m3 = Vector512.Max(m3, MaskedStore(a3 + b3, keyPos, Math.Min(pos.GetElement(3), last), pos.GetElement(3), window, s + 3 * bt16 + c));
        }
        return Vector128.Create(VectorReductions.MaxAcross(m0), VectorReductions.MaxAcross(m1), VectorReductions.MaxAcross(m2), VectorReductions.MaxAcross(m3));
    }

    /// <summary>Stores <paramref name="scores"/> with keys past <paramref name="lastVisible"/> (or before the window of
    /// a query at <paramref name="pos"/>) set to −inf; returns what was stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MaskedStore(Vector512<float> scores, Vector512<int> keyPos, int lastVisible, int pos, int window, float* s)
    {
        Vector512<int> visible = Vector512.LessThanOrEqual(keyPos, Vector512.Create(lastVisible));
        if (window > 0) visible &= Vector512.GreaterThan(keyPos, Vector512.Create(pos - window));
        Vector512<float> masked = Vector512.ConditionalSelect(visible.AsSingle(), scores, Vector512.Create(float.NegativeInfinity));
        masked.Store(s);
        return masked;
    }

    /// <summary><see cref="Accumulate64"/> for four consecutive rows sharing each V load: row k's accumulator is scaled
    /// by <c>correction[k]</c>, then gains <c>Σ_j p[k, j] · v[j]</c> over the first <paramref name="n"/> keys (keys a
    /// row does not see have p = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate64x4(float* acc, Vector128<float> correction, float* p, int bt16, float* v, int n)
    {
        Vector512<float> c = Vector512.Create(correction.GetElement(0));
        Vector512<float> x00 = Vector512.Load(acc) * c, x01 = Vector512.Load(acc + 16) * c, x02 = Vector512.Load(acc + 32) * c, x03 = Vector512.Load(acc + 48) * c;
        c = Vector512.Create(correction.GetElement(1));
        Vector512<float> x10 = Vector512.Load(acc + 64) * c, x11 = Vector512.Load(acc + 80) * c, x12 = Vector512.Load(acc + 96) * c, x13 = Vector512.Load(acc + 112) * c;
        c = Vector512.Create(correction.GetElement(2));
        Vector512<float> x20 = Vector512.Load(acc + 128) * c, x21 = Vector512.Load(acc + 144) * c, x22 = Vector512.Load(acc + 160) * c, x23 = Vector512.Load(acc + 176) * c;
        c = Vector512.Create(correction.GetElement(3));
        Vector512<float> x30 = Vector512.Load(acc + 192) * c, x31 = Vector512.Load(acc + 208) * c, x32 = Vector512.Load(acc + 224) * c, x33 = Vector512.Load(acc + 240) * c;
        for (int j = 0; j < n; j++, v += 64)
        {
            Vector512<float> v0 = Vector512.Load(v), v1 = Vector512.Load(v + 16), v2 = Vector512.Load(v + 32), v3 = Vector512.Load(v + 48);
            var pj = Vector512.Create(p[j]);
            x00 = Vector512.FusedMultiplyAdd(pj, v0, x00); x01 = Vector512.FusedMultiplyAdd(pj, v1, x01);
            x02 = Vector512.FusedMultiplyAdd(pj, v2, x02); x03 = Vector512.FusedMultiplyAdd(pj, v3, x03);
            pj = Vector512.Create(p[bt16 + j]);
            x10 = Vector512.FusedMultiplyAdd(pj, v0, x10); x11 = Vector512.FusedMultiplyAdd(pj, v1, x11);
            x12 = Vector512.FusedMultiplyAdd(pj, v2, x12); x13 = Vector512.FusedMultiplyAdd(pj, v3, x13);
            pj = Vector512.Create(p[2 * bt16 + j]);
            x20 = Vector512.FusedMultiplyAdd(pj, v0, x20); x21 = Vector512.FusedMultiplyAdd(pj, v1, x21);
            x22 = Vector512.FusedMultiplyAdd(pj, v2, x22); x23 = Vector512.FusedMultiplyAdd(pj, v3, x23);
            pj = Vector512.Create(p[3 * bt16 + j]);
            x30 = Vector512.FusedMultiplyAdd(pj, v0, x30); x31 = Vector512.FusedMultiplyAdd(pj, v1, x31);
            x32 = Vector512.FusedMultiplyAdd(pj, v2, x32); x33 = Vector512.FusedMultiplyAdd(pj, v3, x33);
        }
        x00.Store(acc); x01.Store(acc + 16); x02.Store(acc + 32); x03.Store(acc + 48);
        x10.Store(acc + 64); x11.Store(acc + 80); x12.Store(acc + 96); x13.Store(acc + 112);
        x20.Store(acc + 128); x21.Store(acc + 144); x22.Store(acc + 160); x23.Store(acc + 176);
        x30.Store(acc + 192); x31.Store(acc + 208); x32.Store(acc + 224); x33.Store(acc + 240);
    }

    /// <summary>Asks for the next block's K and V of this head ahead of use: blocks sit far apart in the arena, so
    /// the hardware prefetcher starts cold on each, and decode rows do too little work per block to hide DRAM latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchBlock(AttentionArgs* a, int blockId, int kvHead, int floats)
    {
        byte* k = (byte*)(a->Arena + blockId * a->BlockFloats + a->KOffset + kvHead * a->HeadStride);
        byte* v = (byte*)(a->Arena + blockId * a->BlockFloats + a->VOffset + kvHead * a->HeadStride);
        long bytes = (long)floats * sizeof(float);
        for (long o = 0; o < bytes; o += 64)
        {
            Sse.Prefetch1(k + o);
            Sse.Prefetch1(v + o);
        }
    }

    /// <summary>kt[d, j] = k[j, d] for the <paramref name="n"/> keys of a block, in 8 × 8 register transposes
    /// (columns past n up to a multiple of 8 repeat key n - 1, which the score mask hides).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(float* k, int n, int hd, float* kt, int bt16)
    {
        if (!Avx.IsSupported || hd % 8 != 0)
        {
            for (int j = 0; j < n; j++)
            {
                for (int d = 0; d < hd; d++) kt[d * bt16 + j] = k[j * hd + d];
            }
            return;
        }
        for (int c = 0; c < n; c += 8)
        {
            float* r0 = k + (long)c * hd;
            long s1 = Math.Min(1, n - 1 - c) * (long)hd, s2 = Math.Min(2, n - 1 - c) * (long)hd, s3 = Math.Min(3, n - 1 - c) * (long)hd;
            long s4 = Math.Min(4, n - 1 - c) * (long)hd, s5 = Math.Min(5, n - 1 - c) * (long)hd, s6 = Math.Min(6, n - 1 - c) * (long)hd;
            long s7 = Math.Min(7, n - 1 - c) * (long)hd;
            for (int d = 0; d < hd; d += 8)
            {
                Vector256<float> t0 = Avx.UnpackLow(Avx.LoadVector256(r0 + d), Avx.LoadVector256(r0 + s1 + d));
                Vector256<float> t1 = Avx.UnpackHigh(Avx.LoadVector256(r0 + d), Avx.LoadVector256(r0 + s1 + d));
                Vector256<float> t2 = Avx.UnpackLow(Avx.LoadVector256(r0 + s2 + d), Avx.LoadVector256(r0 + s3 + d));
                Vector256<float> t3 = Avx.UnpackHigh(Avx.LoadVector256(r0 + s2 + d), Avx.LoadVector256(r0 + s3 + d));
                Vector256<float> t4 = Avx.UnpackLow(Avx.LoadVector256(r0 + s4 + d), Avx.LoadVector256(r0 + s5 + d));
                Vector256<float> t5 = Avx.UnpackHigh(Avx.LoadVector256(r0 + s4 + d), Avx.LoadVector256(r0 + s5 + d));
                Vector256<float> t6 = Avx.UnpackLow(Avx.LoadVector256(r0 + s6 + d), Avx.LoadVector256(r0 + s7 + d));
                Vector256<float> t7 = Avx.UnpackHigh(Avx.LoadVector256(r0 + s6 + d), Avx.LoadVector256(r0 + s7 + d));
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                float* o = kt + (long)d * bt16 + c;
                Avx.Permute2x128(u0, u4, 0x20).Store(o);
                Avx.Permute2x128(u1, u5, 0x20).Store(o + bt16);
                Avx.Permute2x128(u2, u6, 0x20).Store(o + 2L * bt16);
                Avx.Permute2x128(u3, u7, 0x20).Store(o + 3L * bt16);
                Avx.Permute2x128(u0, u4, 0x31).Store(o + 4L * bt16);
                Avx.Permute2x128(u1, u5, 0x31).Store(o + 5L * bt16);
                Avx.Permute2x128(u2, u6, 0x31).Store(o + 6L * bt16);
                Avx.Permute2x128(u3, u7, 0x31).Store(o + 7L * bt16);
            }
        }
    }

    /// <summary>Scores of one query row against a transposed key block (16 keys per vector), masked to the keys
    /// the row sees (-inf elsewhere), written to <paramref name="s"/>; returns their max (finite: the caller skips
    /// blocks the row sees no key of).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Scores(float* q, float* kt, int hd, int bt, int bt16, int blockStart, int pos, int window, float* s)
    {
        Vector512<float> m = Vector512.Create(float.NegativeInfinity);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int c = 0; c < bt16; c += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float* col = kt + c;
            int d = 0;
            for (; d + 4 <= hd; d += 4)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(col + (long)d * bt16), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 1]), Vector512.Load(col + (long)(d + 1) * bt16), a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 2]), Vector512.Load(col + (long)(d + 2) * bt16), a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d + 3]), Vector512.Load(col + (long)(d + 3) * bt16), a3);
            }
            for (; d < hd; d++) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(col + (long)d * bt16), a0);
            Vector512<int> keyPos = lane + Vector512.Create(blockStart + c);
            Vector512<int> visible = Vector512.LessThanOrEqual(keyPos, Vector512.Create(Math.Min(pos, blockStart + bt - 1)));
            if (window > 0) visible &= Vector512.GreaterThan(keyPos, Vector512.Create(pos - window));
            Vector512<float> scores = Vector512.ConditionalSelect(visible.AsSingle(), (a0 + a1) + (a2 + a3), Vector512.Create(float.NegativeInfinity));
            scores.Store(s + c);
            m = Vector512.Max(m, scores);
        }
        return VectorReductions.MaxAcross(m);
    }

    /// <summary>s[j] = exp(s[j] - max) in place (masked -inf → 0); returns the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Exponentiate(float* s, int bt16, float max)
    {
        Vector512<float> total = default, m = Vector512.Create(max);
        for (int c = 0; c < bt16; c += 16)
        {
            Vector512<float> e = Exp(Vector512.Load(s + c) - m);
            e.Store(s + c);
            total += e;
        }
        return Vector512.Sum(total);
    }

    /// <summary><see cref="Accumulate"/> for head_dim 64 (every baseline shape): four independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate64(float* acc, float correction, float* p, float* v, int n)
    {
        var c = Vector512.Create(correction);
        Vector512<float> x0 = Vector512.Load(acc) * c, x1 = Vector512.Load(acc + 16) * c;
        Vector512<float> x2 = Vector512.Load(acc + 32) * c, x3 = Vector512.Load(acc + 48) * c;
        for (int j = 0; j < n; j++, v += 64)
        {
            var pj = Vector512.Create(p[j]);
            x0 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v), x0);
            x1 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 16), x1);
            x2 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 32), x2);
            x3 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 48), x3);
        }
        x0.Store(acc);
        x1.Store(acc + 16);
        x2.Store(acc + 32);
        x3.Store(acc + 48);
    }

    /// <summary>acc = acc · correction + Σ_j p[j] · v[j] over the first <paramref name="n"/> keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float* acc, float correction, float* p, float* v, int n, int hd)
    {
        var c = Vector512.Create(correction);
        int i = 0;
        for (; i + 32 <= hd; i += 32)
        {
            Vector512<float> x0 = Vector512.Load(acc + i) * c, x1 = Vector512.Load(acc + i + 16) * c;
            for (int j = 0; j < n; j++)
            {
                var pj = Vector512.Create(p[j]);
                x0 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + (long)j * hd + i), x0);
                x1 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + (long)j * hd + i + 16), x1);
            }
            x0.Store(acc + i);
            x1.Store(acc + i + 16);
        }
        for (; i + 16 <= hd; i += 16)
        {
            Vector512<float> x0 = Vector512.Load(acc + i) * c;
            for (int j = 0; j < n; j++) x0 = Vector512.FusedMultiplyAdd(Vector512.Create(p[j]), Vector512.Load(v + (long)j * hd + i), x0);
            x0.Store(acc + i);
        }
        for (; i < hd; i++)
        {
            float x = acc[i] * correction;
            for (int j = 0; j < n; j++) x += p[j] * v[(long)j * hd + i];
            acc[i] = x;
        }
    }

    /// <summary>e^x for x ≤ 0 (softmax after subtracting the max), within a few ulp; below -87 (and -inf) gives 0.
    /// <see cref="Vector512.Exp(Vector512{float})"/> is not vectorized in .NET 10 (~100 ns per call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> underflow = Vector512.LessThan(x, Vector512.Create(-87f));
        x = Vector512.Max(x, Vector512.Create(-87f));
        // x = k·ln2 + r with |r| ≤ ln2/2; e^r by its Taylor polynomial to degree 6 (relative error < 2e-7).
        Vector512<float> k = Vector512.Round(x * Vector512.Create(1.44269504f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693145752f), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-1.42860677e-6f), r);
        Vector512<float> e = Vector512.Create(1f / 720);
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(1f / 120));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(1f / 24));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(1f / 6));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512.Create(0.5f));
        e = Vector512.FusedMultiplyAdd(e, r, Vector512<float>.One);
        e = Vector512.FusedMultiplyAdd(e, r, Vector512<float>.One);
        Vector512<int> scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23);
        return Vector512.AndNot(e * scale.AsSingle(), underflow);
    }
}
