using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// Inputs of one layer's causal attention over a paged KV cache. All pointers are borrowed for the call.
/// Block layout per <see cref="Memory.KvCacheLayout"/>: a head's K (or V) vectors of one block are
/// contiguous, <c>BlockTokens × HeadDim</c> elements, at element <c>KOffset/VOffset + kvHead × HeadStride</c> of the
/// block that starts at <c>Arena + blockId × BlockFloats</c> (4-byte units).
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
    public int KvElementBytes;   // 2 for a BF16 cache, else FP32 (4; 0 also means FP32); KOffset, VOffset, HeadStride count elements
    public int Window;           // sliding window in tokens (a query at p sees keys p-Window+1..p); 0 = unlimited
    public float* Workspace;     // (thread, WorkspaceFloats)
    public int WorkspaceFloats;
}

/// <summary>
/// Causal attention for a batch over paged KV (chunked prefill and decode alike): a new token at position
/// p attends to positions 0..p of its own sequence (its K/V must already be written). Work items are
/// (query tile, kv head): a tile is up to <see cref="TileTokens"/> consecutive new tokens of one sequence, and
/// its rows are every (token, query head of the GQA group), so each K/V block is read (and, for 4 rows or more,
/// transposed) once per tile. Per KV block, rows score the transposed keys four at a time (each key load shared),
/// or for few rows (decode, small GQA groups) the keys as stored; then an online softmax (running max, exact FP32)
/// and <c>acc += p · V</c>, four rows sharing each V load. FP32 or BF16 caches (<see cref="AttentionArgs.KvElementBytes"/>),
/// widened in registers. The tile runs in the registers of <see cref="CpuKernels.Path"/>: <see cref="AttentionTile512"/>
/// (AVX-512), <see cref="AttentionTile256"/> (AVX2, tiles cut for 16 YMM registers) or <see cref="AttentionTile128"/>
/// (portable <see cref="Vector128"/>); all share this type's work split, workspace layout (<see cref="TileBuffers"/>)
/// and block helpers. <see cref="PagedAttentionScalar"/> is the plain reference they are tested against.
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

    /// <summary>Runs attention for every (tile, kv head) on <paramref name="pool"/>, on <see cref="CpuKernels.Path"/>'s kernels.</summary>
    public static void Run(ComputeThreadPool pool, ref AttentionArgs args) => Run(pool, ref args, CpuKernels.Path);

    /// <summary>Runs attention on <paramref name="path"/>'s kernels, which this CPU must support (<see cref="CpuKernels.Supports"/>).</summary>
    internal static void Run(ComputeThreadPool pool, ref AttentionArgs args, CpuKernelPath path)
    {
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
            var job = new Job { Args = argsPointer, TileStarts = tileStarts, Path = path };
            pool.Run(&Body, &job, count * args.NumKvHeads, 1);
        }
        GC.KeepAlive(rented);
    }

    private struct Job
    {
        public AttentionArgs* Args;
        public int* TileStarts; // (tiles + 1) first token of each tile, then the token count
        public CpuKernelPath Path;
    }

    private static void Body(void* context, int begin, int end, int thread)
    {
        var job = (Job*)context;
        int kvHeads = job->Args->NumKvHeads;
        bool bf16 = job->Args->KvElementBytes == 2;
        for (int item = begin; item < end; item++)
        {
            int tile = item / kvHeads, t0 = job->TileStarts[tile], t1 = job->TileStarts[tile + 1], kvHead = item % kvHeads;
            switch (job->Path)
            {
                case CpuKernelPath.Avx512:
                    if (bf16) AttentionTile512.Run<Bf16Loader>(job->Args, t0, t1, kvHead, thread);
                    else AttentionTile512.Run<F32Loader>(job->Args, t0, t1, kvHead, thread);
                    break;
                case CpuKernelPath.Avx2:
                    if (bf16) AttentionTile256.Run<Bf16Loader>(job->Args, t0, t1, kvHead, thread);
                    else AttentionTile256.Run<F32Loader>(job->Args, t0, t1, kvHead, thread);
                    break;
                default:
                    if (bf16) AttentionTile128.Run<Bf16Loader>(job->Args, t0, t1, kvHead, thread);
                    else AttentionTile128.Run<F32Loader>(job->Args, t0, t1, kvHead, thread);
                    break;
            }
        }
    }

    /// <summary>A tile's slices of its thread's workspace, with the scaled queries loaded and the running sums reset
    /// (<see cref="Begin"/>); every path's tile uses the same layout (<see cref="WorkspaceFloats"/>).</summary>
    internal struct TileBuffers
    {
        public float* Kt;   // (hd, bt16) keys of one block, transposed
        public float* Qs;   // (rows, hd) scaled queries
        public float* Acc;  // (rows, hd)
        public float* P;    // (rows, bt16) probabilities of one block
        public float* Max;  // (rows)
        public float* Sum;  // (rows)
        public int Rows;
        public int Group;
        public int Bt16;
    }

    /// <summary>Slices the workspace of <paramref name="thread"/> for tokens [t0, t1) of <paramref name="kvHead"/>, scales
    /// the queries into it and clears the accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static TileBuffers Begin(AttentionArgs* a, int t0, int t1, int kvHead, int thread)
    {
        int hd = a->HeadDim, bt16 = (a->BlockTokens + 15) & ~15;
        int group = a->NumHeads / a->NumKvHeads, rows = (t1 - t0) * group, qDim = a->NumHeads * hd;
        TileBuffers w;
        w.Kt = a->Workspace + (long)thread * a->WorkspaceFloats;
        w.Qs = w.Kt + (long)hd * bt16;
        w.Acc = w.Qs + (long)rows * hd;
        w.P = w.Acc + (long)rows * hd;
        w.Max = w.P + (long)rows * bt16;
        w.Sum = w.Max + rows;
        w.Rows = rows;
        w.Group = group;
        w.Bt16 = bt16;
        for (int r = 0; r < rows; r++)
        {
            float* q = a->Q + (long)(t0 + r / group) * qDim + (kvHead * group + r % group) * hd;
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(q, hd), a->Scale, new Span<float>(w.Qs + (long)r * hd, hd));
            w.Max[r] = float.NegativeInfinity;
            w.Sum[r] = 0;
        }
        new Span<float>(w.Acc, rows * hd).Clear();
        new Span<float>(w.Kt, hd * bt16).Clear();
        return w;
    }

    /// <summary>Whether a query at <paramref name="pos"/> sees any key of the block starting at <paramref name="blockStart"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Sees(int pos, int blockStart, int bt, int window) =>
        blockStart <= pos && (window <= 0 || blockStart + bt > pos - window + 1);

    /// <summary>Writes the tile's normalised rows (acc / sum) to the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void End(AttentionArgs* a, in TileBuffers w, int t0, int kvHead)
    {
        int hd = a->HeadDim, group = w.Group, qDim = a->NumHeads * hd;
        for (int r = 0; r < w.Rows; r++)
        {
            float* o = a->Out + (long)(t0 + r / group) * qDim + (kvHead * group + r % group) * hd;
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(w.Acc + (long)r * hd, hd), 1f / w.Sum[r], new Span<float>(o, hd));
        }
    }

    /// <summary>First element of <paramref name="kvHead"/>'s K or V (per <paramref name="offset"/>) in a block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte* HeadStart<TKv>(AttentionArgs* a, int blockId, long offset, int kvHead) where TKv : struct, IRowLoader =>
        (byte*)(a->Arena + blockId * a->BlockFloats) + (offset + (long)kvHead * a->HeadStride) * TKv.ElementBytes;

    /// <summary>Asks for the next block's K and V of this head ahead of use: blocks sit far apart in the arena, so
    /// the hardware prefetcher starts cold on each, and decode rows do too little work per block to hide DRAM latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PrefetchBlock<TKv>(AttentionArgs* a, int blockId, int kvHead, int elements) where TKv : struct, IRowLoader
    {
        byte* k = HeadStart<TKv>(a, blockId, a->KOffset, kvHead);
        byte* v = HeadStart<TKv>(a, blockId, a->VOffset, kvHead);
        long bytes = (long)elements * TKv.ElementBytes;
        for (long o = 0; o < bytes; o += 64)
        {
            Sse.Prefetch1(k + o);
            Sse.Prefetch1(v + o);
        }
    }

    /// <summary>kt[d, j] = k[j, d] for the <paramref name="n"/> keys of a block, in 8 × 8 register transposes
    /// (columns past n up to a multiple of 8 repeat key n - 1, which the score mask hides). AVX (the AVX2 and AVX-512
    /// paths); a head_dim that is not a multiple of 8 is copied one element at a time. Too big to inline into a tile, so
    /// compiled optimized from the start rather than through tiering.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose<TKv>(byte* k, int n, int hd, float* kt, int bt16) where TKv : struct, IRowLoader
    {
        if (hd % 8 != 0)
        {
            for (int j = 0; j < n; j++)
            {
                for (int d = 0; d < hd; d++) kt[d * bt16 + j] = TKv.Load1(k, j * hd + d);
            }
            return;
        }
        for (int c = 0; c < n; c += 8)
        {
            int r0 = c * hd;
            int s1 = r0 + Math.Min(1, n - 1 - c) * hd, s2 = r0 + Math.Min(2, n - 1 - c) * hd, s3 = r0 + Math.Min(3, n - 1 - c) * hd;
            int s4 = r0 + Math.Min(4, n - 1 - c) * hd, s5 = r0 + Math.Min(5, n - 1 - c) * hd, s6 = r0 + Math.Min(6, n - 1 - c) * hd;
            int s7 = r0 + Math.Min(7, n - 1 - c) * hd;
            for (int d = 0; d < hd; d += 8)
            {
                Vector256<float> k0 = TKv.Load256(k, r0 + d), k1 = TKv.Load256(k, s1 + d), k2 = TKv.Load256(k, s2 + d), k3 = TKv.Load256(k, s3 + d);
                Vector256<float> k4 = TKv.Load256(k, s4 + d), k5 = TKv.Load256(k, s5 + d), k6 = TKv.Load256(k, s6 + d), k7 = TKv.Load256(k, s7 + d);
                Vector256<float> t0 = Avx.UnpackLow(k0, k1), t1 = Avx.UnpackHigh(k0, k1);
                Vector256<float> t2 = Avx.UnpackLow(k2, k3), t3 = Avx.UnpackHigh(k2, k3);
                Vector256<float> t4 = Avx.UnpackLow(k4, k5), t5 = Avx.UnpackHigh(k4, k5);
                Vector256<float> t6 = Avx.UnpackLow(k6, k7), t7 = Avx.UnpackHigh(k6, k7);
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
}
