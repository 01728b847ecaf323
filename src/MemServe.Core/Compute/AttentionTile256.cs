using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// <see cref="PagedAttention"/>'s tile on the AVX2 path (256-bit registers, 16 of them): the same work item and
/// workspace layout as the AVX-512 tile, with the register tiles cut to fit. Rows that see a block score it from the
/// transposed keys four rows at a time (4 rows × 16 keys = 8 accumulators, <see cref="AttentionScores256.Scores4"/>)
/// and add <c>p · V</c> four rows at a time (4 rows × 16 dims, <see cref="AttentionSoftmax256.Accumulate4{TKv}"/>),
/// so each transposed key and each V load serves four rows; fewer than 4 rows (decode, small GQA groups) score the
/// keys as stored, eight keys per horizontal-sum tree (<see cref="AttentionScores256.Direct{TKv}"/>). Any head_dim;
/// the direct scores need a multiple of 8.
/// </summary>
internal static unsafe class AttentionTile256
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
        bool direct = rows < 4 && hd % 8 == 0;
        for (int b = first / bt; b * bt <= pLast; b++)
        {
            int n = Math.Min(bt, pLast + 1 - b * bt), blockStart = b * bt, last = blockStart + bt - 1;
            byte* k = PagedAttention.HeadStart<TKv>(a, blocks[b], a->KOffset, kvHead);
            byte* v = PagedAttention.HeadStart<TKv>(a, blocks[b], a->VOffset, kvHead);
            if ((b + 1) * bt <= pLast) PagedAttention.PrefetchBlock<TKv>(a, blocks[b + 1], kvHead, hd * bt);
            if (direct)
            {
                // Decode with a small GQA group: a transpose per block would cost more than the rows' scores.
                for (int r = 0; r < rows; r++)
                {
                    int pos = p0 + r / group;
                    if (!PagedAttention.Sees(pos, blockStart, bt, window)) continue;
                    float* pr = w.P + (long)r * bt16;
                    float blockMax = AttentionScores256.Direct<TKv>(w.Qs + (long)r * hd, k, hd, n, bt16, blockStart, Math.Min(pos, last), pos, window, pr);
                    float c = AttentionSoftmax256.Update(pr, bt16, blockMax, ref w.Max[r], ref w.Sum[r]);
                    AttentionSoftmax256.Accumulate<TKv>(w.Acc + (long)r * hd, c, pr, v, Math.Min(n, pos + 1 - blockStart), hd);
                }
                continue;
            }
            PagedAttention.Transpose<TKv>(k, n, hd, w.Kt, bt16);
            int row = 0;
            for (; row + 4 <= rows; row += 4)
            {
                // Rows are token-major, so row + 3 has the largest position: all four see the block when row sees a key
                // at or before its position and row + 3's window still reaches into the block.
                int pos0 = p0 + row / group, pos1 = p0 + (row + 1) / group, pos2 = p0 + (row + 2) / group, pos3 = p0 + (row + 3) / group;
                if (!PagedAttention.Sees(pos0, blockStart, bt, window) || !PagedAttention.Sees(pos3, blockStart, bt, window))
                {
                    for (int r = row; r < row + 4; r++) RowBlock<TKv>(ref w, v, r, p0 + r / group, hd, bt, n, blockStart, window);
                    continue;
                }
                float* pr = w.P + (long)row * bt16;
                float* max = w.Max + row, sum = w.Sum + row;
                var blockMax = AttentionScores256.Scores4(w.Qs + (long)row * hd, hd, w.Kt, bt16, blockStart,
                    Math.Min(pos0, last), Math.Min(pos1, last), Math.Min(pos2, last), Math.Min(pos3, last), pos0, pos1, pos2, pos3, window, pr);
                float c0 = AttentionSoftmax256.Update(pr, bt16, blockMax.GetElement(0), ref max[0], ref sum[0]);
                float c1 = AttentionSoftmax256.Update(pr + bt16, bt16, blockMax.GetElement(1), ref max[1], ref sum[1]);
                float c2 = AttentionSoftmax256.Update(pr + 2 * bt16, bt16, blockMax.GetElement(2), ref max[2], ref sum[2]);
                float c3 = AttentionSoftmax256.Update(pr + 3 * bt16, bt16, blockMax.GetElement(3), ref max[3], ref sum[3]);
                AttentionSoftmax256.Accumulate4<TKv>(w.Acc + (long)row * hd, hd, c0, c1, c2, c3, pr, bt16, v, Math.Min(n, pos3 + 1 - blockStart));
            }
            for (; row < rows; row++) RowBlock<TKv>(ref w, v, row, p0 + row / group, hd, bt, n, blockStart, window);
        }
        PagedAttention.End(a, w, t0, kvHead);
    }

    /// <summary>Row <paramref name="r"/> alone against the transposed block: scores, online softmax, <c>acc += p · V</c>;
    /// nothing when the row sees no key of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowBlock<TKv>(ref PagedAttention.TileBuffers w, byte* v, int r, int pos, int hd, int bt, int n, int blockStart, int window)
        where TKv : struct, IRowLoader
    {
        if (!PagedAttention.Sees(pos, blockStart, bt, window)) return;
        int bt16 = w.Bt16;
        float* pr = w.P + (long)r * bt16;
        float blockMax = AttentionScores256.Scores1(w.Qs + (long)r * hd, hd, w.Kt, bt16, blockStart, Math.Min(pos, blockStart + bt - 1), pos, window, pr);
        float c = AttentionSoftmax256.Update(pr, bt16, blockMax, ref w.Max[r], ref w.Sum[r]);
        AttentionSoftmax256.Accumulate<TKv>(w.Acc + (long)r * hd, c, pr, v, Math.Min(n, pos + 1 - blockStart), hd);
    }
}
