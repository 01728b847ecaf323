using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// <see cref="PagedAttention"/>'s tile on the portable path: cross-platform <see cref="System.Runtime.Intrinsics.Vector128"/>
/// only (SSE on old x86-64, AdvSimd on Arm64), multiply-adds through <c>MultiplyAddEstimate</c> (fused where the CPU
/// has FMA, multiply then add elsewhere). Same work item and workspace layout as the wider tiles. Rows that all see a
/// block add <c>p · V</c> four at a time (<see cref="AttentionSoftmax128.Accumulate4{TKv}"/>, each V load shared by the
/// four). With 8 rows or more (prefill, large GQA groups) each block's keys are transposed once and those rows score it
/// four at a time too (<see cref="AttentionScores128.Scores4"/>); otherwise (decode) and for rows that see only part of
/// the tile's span, rows score the keys as stored, four keys at a time (<see cref="AttentionScores128.Direct{TKv}"/>).
/// Any head_dim and block size.
/// </summary>
internal static unsafe class AttentionTile128
{
    /// <summary>Attention of tokens [<paramref name="t0"/>, <paramref name="t1"/>) (one sequence, consecutive
    /// positions) for the query heads of <paramref name="kvHead"/>, in <paramref name="thread"/>'s workspace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TKv>(AttentionArgs* a, int t0, int t1, int kvHead, int thread) where TKv : struct, IRowLoader
    {
        PagedAttention.TileBuffers w = PagedAttention.Begin(a, t0, t1, kvHead, thread);
        int hd = a->HeadDim, bt = a->BlockTokens, bt16 = w.Bt16, group = w.Group, rows = w.Rows;
        int p0 = a->Positions[t0], pLast = a->Positions[t1 - 1], window = a->Window;
        int first = window > 0 ? Math.Max(0, p0 - window + 1) : 0;
        int* blocks = a->BlockIds + a->TokenBlocks[t0];
        // The one-element-at-a-time transpose costs about what four rows' scores do: it pays from eight rows on.
        bool transposed = rows >= 8;
        for (int b = first / bt; b * bt <= pLast; b++)
        {
            int n = Math.Min(bt, pLast + 1 - b * bt), blockStart = b * bt, last = blockStart + bt - 1;
            byte* k = PagedAttention.HeadStart<TKv>(a, blocks[b], a->KOffset, kvHead);
            byte* v = PagedAttention.HeadStart<TKv>(a, blocks[b], a->VOffset, kvHead);
            if (transposed) AttentionScores128.Transpose<TKv>(k, n, hd, w.Kt, bt16);
            int row = 0;
            for (; row + 4 <= rows; row += 4)
            {
                // Rows are token-major, so row + 3 has the largest position (see AttentionTile256).
                int pos0 = p0 + row / group, pos1 = p0 + (row + 1) / group, pos2 = p0 + (row + 2) / group, pos3 = p0 + (row + 3) / group;
                if (!PagedAttention.Sees(pos0, blockStart, bt, window) || !PagedAttention.Sees(pos3, blockStart, bt, window))
                {
                    for (int r = row; r < row + 4; r++) RowBlock<TKv>(ref w, k, v, r, p0 + r / group, hd, bt, n, blockStart, window);
                    continue;
                }
                float* pr = w.P + (long)row * bt16;
                if (!transposed)
                {
                    float d0 = Scores<TKv>(ref w, k, row, pos0, hd, n, blockStart, last, window);
                    float d1 = Scores<TKv>(ref w, k, row + 1, pos1, hd, n, blockStart, last, window);
                    float d2 = Scores<TKv>(ref w, k, row + 2, pos2, hd, n, blockStart, last, window);
                    float d3 = Scores<TKv>(ref w, k, row + 3, pos3, hd, n, blockStart, last, window);
                    AttentionSoftmax128.Accumulate4<TKv>(w.Acc + (long)row * hd, hd, d0, d1, d2, d3, pr, bt16, v, Math.Min(n, pos3 + 1 - blockStart));
                    continue;
                }
                float* max = w.Max + row, sum = w.Sum + row;
                Vector128<float> blockMax = AttentionScores128.Scores4(w.Qs + (long)row * hd, hd, w.Kt, bt16, blockStart,
                    Math.Min(pos0, last), Math.Min(pos1, last), Math.Min(pos2, last), Math.Min(pos3, last), pos0, pos1, pos2, pos3, window, pr);
                float c0 = AttentionSoftmax128.Update(pr, bt16, blockMax.GetElement(0), ref max[0], ref sum[0]);
                float c1 = AttentionSoftmax128.Update(pr + bt16, bt16, blockMax.GetElement(1), ref max[1], ref sum[1]);
                float c2 = AttentionSoftmax128.Update(pr + 2 * bt16, bt16, blockMax.GetElement(2), ref max[2], ref sum[2]);
                float c3 = AttentionSoftmax128.Update(pr + 3 * bt16, bt16, blockMax.GetElement(3), ref max[3], ref sum[3]);
                AttentionSoftmax128.Accumulate4<TKv>(w.Acc + (long)row * hd, hd, c0, c1, c2, c3, pr, bt16, v, Math.Min(n, pos3 + 1 - blockStart));
            }
            for (; row < rows; row++) RowBlock<TKv>(ref w, k, v, row, p0 + row / group, hd, bt, n, blockStart, window);
        }
        PagedAttention.End(a, w, t0, kvHead);
    }

    /// <summary>Row <paramref name="r"/>'s scores of the block and its online softmax step; returns the factor its
    /// accumulator must be scaled by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Scores<TKv>(ref PagedAttention.TileBuffers w, byte* k, int r, int pos, int hd, int n, int blockStart, int last, int window)
        where TKv : struct, IRowLoader
    {
        float* pr = w.P + (long)r * w.Bt16;
        float blockMax = AttentionScores128.Direct<TKv>(w.Qs + (long)r * hd, k, hd, n, w.Bt16, blockStart, Math.Min(pos, last), pos, window, pr);
        return AttentionSoftmax128.Update(pr, w.Bt16, blockMax, ref w.Max[r], ref w.Sum[r]);
    }

    /// <summary>Row <paramref name="r"/> alone against the block: scores, online softmax, <c>acc += p · V</c>; nothing when
    /// the row sees no key of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowBlock<TKv>(ref PagedAttention.TileBuffers w, byte* k, byte* v, int r, int pos, int hd, int bt, int n, int blockStart, int window)
        where TKv : struct, IRowLoader
    {
        if (!PagedAttention.Sees(pos, blockStart, bt, window)) return;
        float c = Scores<TKv>(ref w, k, r, pos, hd, n, blockStart, blockStart + bt - 1, window);
        AttentionSoftmax128.Accumulate<TKv>(w.Acc + (long)r * hd, c, w.P + (long)r * w.Bt16, v, Math.Min(n, pos + 1 - blockStart), hd);
    }
}
