using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>The tiled paged attention on each kernel path (and the scalar reference) against a double-precision softmax reference, over
/// batches mixing prefill chunks and decode tokens of several sequences, scattered blocks and sliding windows.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class PagedAttentionTests
{
    public static TheoryData<int, int, int, int, int> Cases() => new()
    {
        // heads, kvHeads, headDim, blockTokens, window (each case runs on every kernel path, with an FP32 and a BF16 cache)
        { 9, 3, 64, 16, 0 },    // shape S
        { 4, 2, 16, 4, 0 },     // tiny test models
        { 6, 1, 24, 5, 0 },     // odd head_dim and block size, MQA, tiles split by the group
        { 4, 2, 16, 4, 5 },     // sliding window
        { 8, 2, 40, 20, 7 },    // window, two 16-key chunks per block
        // head_dim 64 takes four rows at a time: rows of one group of four at different positions (no GQA, and a
        // group of 3 across tokens), a sliding window cutting through a group, 16-key chunks past a block of 20
        { 4, 4, 64, 16, 0 },
        { 6, 2, 64, 20, 0 },
        { 8, 2, 64, 16, 7 },
        { 4, 1, 64, 16, 13 },
        { 6, 2, 64, 16, 9 },    // decode rows of a group of 3 score untransposed keys, under a window
        // the narrower paths' tails: head_dim 72 (16-dim chunks and one of 8), 20 (4 dims past 16), 6 (no full
        // vector); direct decode scores over blocks of 5 and 12 keys (groups of 8 keys cut by the block)
        { 8, 2, 72, 16, 0 },
        { 4, 2, 20, 8, 0 },
        { 2, 1, 6, 3, 0 },
        { 2, 1, 64, 5, 0 },
        { 3, 3, 128, 12, 11 },
        { 32, 8, 64, 16, 0 },   // a GQA group of 4: decode rows take the four-row tiles
    };

    [KernelPathTheory(CpuKernelPath.Avx512)]
    [MemberData(nameof(Cases))]
    public void Avx512_tiles_match_softmax_reference(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, CpuKernelPath.Avx512, DType.F32);

    [KernelPathTheory(CpuKernelPath.Avx512)]
    [MemberData(nameof(Cases))]
    public void Avx512_tiles_match_softmax_reference_over_a_bf16_cache(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, CpuKernelPath.Avx512, DType.BF16);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(Cases))]
    public void Avx2_tiles_match_softmax_reference(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, CpuKernelPath.Avx2, DType.F32);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(Cases))]
    public void Avx2_tiles_match_softmax_reference_over_a_bf16_cache(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, CpuKernelPath.Avx2, DType.BF16);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(Cases))]
    public void Portable_tiles_match_softmax_reference(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, CpuKernelPath.Portable, DType.F32);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(Cases))]
    public void Portable_tiles_match_softmax_reference_over_a_bf16_cache(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, CpuKernelPath.Portable, DType.BF16);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scalar_reference_matches_softmax_reference(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, null, DType.F32);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scalar_reference_matches_softmax_reference_over_a_bf16_cache(int heads, int kvHeads, int headDim, int blockTokens, int window) =>
        Check(heads, kvHeads, headDim, blockTokens, window, null, DType.BF16);

    [Fact]
    public void Default_run_takes_the_process_path()
    {
        // The public entry follows CpuKernels.Path: same bits as the explicit call on that path.
        float[] viaDefault = Check(9, 3, 64, 16, 0, CpuKernels.Path, DType.BF16, useDefault: true);
        float[] explicitPath = Check(9, 3, 64, 16, 0, CpuKernels.Path, DType.BF16);
        Assert.Equal(explicitPath, viaDefault);
    }

    // The reference reads the cache's own elements (BF16 widened exactly), so both element types get the same tolerance.
    // A null path runs the scalar reference; returns the output.
    private static float[] Check(int heads, int kvHeads, int headDim, int blockTokens, int window, CpuKernelPath? path, DType kvType,
        bool useDefault = false)
    {
        // Sequences: (cached tokens, new tokens): a long prefill chunk, a chunk after a cache, two decode tokens.
        (int Cached, int New)[] sequences = [(0, 37), (11, 9), (40, 1), (3, 1)];
        var layout = new KvCacheLayout(0, 1, kvHeads, headDim, blockTokens, kvType);
        int blocksPerSequence = layout.BlocksFor(41), tokens = 0;
        foreach (var s in sequences) tokens += s.New;
        using var arena = new NativeBuffer<float>(layout.BlockFloats * blocksPerSequence * sequences.Length, null, MemoryCategory.KvCache, "kv");
        var random = new Random(heads * 100 + headDim + blockTokens + window);
        if (kvType == DType.BF16)
        {
            var halves = (ushort*)arena.Pointer;
            for (long i = 0; i < arena.Length * 2; i++) halves[i] = HalfPrecision.FloatToBF16((float)(random.NextDouble() * 2 - 1));
        }
        else
        {
            for (long i = 0; i < arena.Length; i++) arena.Pointer[i] = (float)(random.NextDouble() * 2 - 1);
        }
        // Sequence s owns blocks s, s + S, s + 2S, ... (interleaved, so tables are not contiguous).
        var blockIds = new int[blocksPerSequence * sequences.Length];
        var positions = new int[tokens];
        var tokenBlocks = new int[tokens];
        int t = 0;
        for (int s = 0; s < sequences.Length; s++)
        {
            for (int b = 0; b < blocksPerSequence; b++) blockIds[s * blocksPerSequence + b] = b * sequences.Length + s;
            for (int i = 0; i < sequences[s].New; i++, t++)
            {
                positions[t] = sequences[s].Cached + i;
                tokenBlocks[t] = s * blocksPerSequence;
            }
        }
        int qDim = heads * headDim;
        float[] q = MatMulTestData.Random(random, tokens * qDim);
        var output = new float[tokens * qDim];
        int workspace = PagedAttention.WorkspaceFloats(heads / kvHeads, headDim, blockTokens);
        using var pool = new ComputeThreadPool(2);
        using var ws = new NativeBuffer<float>((long)workspace * pool.ThreadCount, null, MemoryCategory.Scratch, "ws");

        fixed (float* pq = q, po = output)
        fixed (int* pp = positions, ptb = tokenBlocks, pb = blockIds)
        {
            var args = new AttentionArgs
            {
                Q = pq, Out = po, Tokens = tokens, NumHeads = heads, NumKvHeads = kvHeads, HeadDim = headDim,
                Scale = 1f / MathF.Sqrt(headDim), Positions = pp, TokenBlocks = ptb, BlockIds = pb, Arena = arena.Pointer,
                BlockFloats = layout.BlockFloats, KOffset = layout.Offset(0, false, 0, 0), VOffset = layout.Offset(0, true, 0, 0),
                HeadStride = blockTokens * headDim, BlockTokens = blockTokens, KvElementBytes = layout.ElementBytes, Window = window,
                Workspace = ws.Pointer, WorkspaceFloats = workspace,
            };
            if (path is null) PagedAttentionScalar.Run(pool, ref args);
            else if (useDefault) PagedAttention.Run(pool, ref args);
            else PagedAttention.Run(pool, ref args, path.Value);
        }

        int group = heads / kvHeads;
        for (int token = 0; token < tokens; token++)
        {
            int pos = positions[token], first = window > 0 ? Math.Max(0, pos - window + 1) : 0;
            for (int h = 0; h < heads; h++)
            {
                int kvHead = h / group;
                float[] K(int p) => Element(p, false);
                float[] V(int p) => Element(p, true);
                float[] Element(int p, bool value)
                {
                    byte* head = (byte*)(arena.Pointer + blockIds[tokenBlocks[token] + p / blockTokens] * layout.BlockFloats)
                        + layout.Offset(0, value, kvHead, p % blockTokens) * layout.ElementBytes;
                    var row = new float[headDim];
                    for (int d = 0; d < headDim; d++)
                    {
                        row[d] = kvType == DType.BF16 ? HalfPrecision.BF16ToFloat(((ushort*)head)[d]) : ((float*)head)[d];
                    }
                    return row;
                }
                var scores = new double[pos + 1];
                double max = double.NegativeInfinity;
                for (int p = first; p <= pos; p++)
                {
                    double dot = 0;
                    float[] key = K(p);
                    for (int d = 0; d < headDim; d++) dot += (double)q[token * qDim + h * headDim + d] * key[d];
                    scores[p] = dot / Math.Sqrt(headDim);
                    max = Math.Max(max, scores[p]);
                }
                double sum = 0;
                for (int p = first; p <= pos; p++) sum += scores[p] = Math.Exp(scores[p] - max);
                float[][] values = new float[pos + 1][];
                for (int p = first; p <= pos; p++) values[p] = V(p);
                for (int d = 0; d < headDim; d++)
                {
                    double expected = 0;
                    for (int p = first; p <= pos; p++) expected += scores[p] / sum * values[p][d];
                    float actual = output[token * qDim + h * headDim + d];
                    Assert.True(Math.Abs(expected - actual) <= 1e-5 + 1e-4 * Math.Abs(expected),
                        $"token {token} (pos {pos}) head {h} dim {d}: {actual}, expected {expected}");
                }
            }
        }
        return output;
    }
}
