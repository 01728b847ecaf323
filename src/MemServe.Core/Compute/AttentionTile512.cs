using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// <see cref="PagedAttention"/>'s tile on the AVX-512 path (32 ZMM registers): fewer than 4 rows with head_dim 64 and
/// 16-token blocks (decode, small GQA groups) score the keys as stored, one <see cref="VectorReductions.Sum16"/> per
/// block (<see cref="AttentionScores.RowBlockDirect{TKv}"/>); otherwise each block's keys are transposed once and, for
/// head_dim 64, rows that all see the block score it four at a time (16 keys per zmm, <see cref="AttentionScores.Scores4"/>)
/// and add <c>p · V</c> four at a time (<see cref="AttentionSoftmax.Accumulate64x4{TKv}"/>); the rest go one row at a time.
/// </summary>
internal static unsafe class AttentionTile512
{
    /// <summary>Attention of tokens [<paramref name="t0"/>, <paramref name="t1"/>) (one sequence, consecutive
    /// positions) for the query heads of <paramref name="kvHead"/>, in <paramref name="thread"/>'s workspace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TKv>(AttentionArgs* a, int t0, int t1, int kvHead, int thread) where TKv : struct, IRowLoader
    {
        PagedAttention.TileBuffers w = PagedAttention.Begin(a, t0, t1, kvHead, thread);
        int hd = a->HeadDim, bt = a->BlockTokens, bt16 = w.Bt16, group = w.Group, rows = w.Rows;
        float* kt = w.Kt, qs = w.Qs, acc = w.Acc, p = w.P, max = w.Max, sum = w.Sum;

        int p0 = a->Positions[t0], pLast = a->Positions[t1 - 1], window = a->Window;
        int first = window > 0 ? Math.Max(0, p0 - window + 1) : 0;
        int* blocks = a->BlockIds + a->TokenBlocks[t0];
        bool direct = rows < 4 && hd == 64 && bt == 16;
        for (int b = first / bt; b * bt <= pLast; b++)
        {
            int n = Math.Min(bt, pLast + 1 - b * bt);
            byte* k = PagedAttention.HeadStart<TKv>(a, blocks[b], a->KOffset, kvHead);
            byte* v = PagedAttention.HeadStart<TKv>(a, blocks[b], a->VOffset, kvHead);
            if ((b + 1) * bt <= pLast) PagedAttention.PrefetchBlock<TKv>(a, blocks[b + 1], kvHead, hd * bt);
            int blockStart = b * bt;
            if (direct)
            {
                // Decode with a small GQA group: a transpose per block would cost more than the rows' scores.
                for (int row = 0; row < rows; row++) AttentionScores.RowBlockDirect<TKv>(qs, k, acc, p, max, sum, v, row, p0 + row / group, bt, n, blockStart, window);
                continue;
            }
            PagedAttention.Transpose<TKv>(k, n, hd, kt, bt16);
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
                        for (int row = r; row < r + 4; row++) AttentionScores.RowBlock<TKv>(qs, kt, acc, p, max, sum, v, row, p0 + row / group, hd, bt, bt16, n, blockStart, window);
                        continue;
                    }
                    float* pr = p + (long)r * bt16;
                    Vector128<float> blockMax = AttentionScores.Scores4(qs + (long)r * hd, kt, bt, bt16, blockStart,
                        Vector128.Create(pos0, p0 + (r + 1) / group, p0 + (r + 2) / group, pos3), window, pr);
                    float c0 = AttentionSoftmax.Update(pr, bt16, blockMax.GetElement(0), ref max[r], ref sum[r]);
                    float c1 = AttentionSoftmax.Update(pr + bt16, bt16, blockMax.GetElement(1), ref max[r + 1], ref sum[r + 1]);
                    float c2 = AttentionSoftmax.Update(pr + 2 * bt16, bt16, blockMax.GetElement(2), ref max[r + 2], ref sum[r + 2]);
                    float c3 = AttentionSoftmax.Update(pr + 3 * bt16, bt16, blockMax.GetElement(3), ref max[r + 3], ref sum[r + 3]);
                    AttentionSoftmax.Accumulate64x4<TKv>(acc + (long)r * hd, Vector128.Create(c0, c1, c2, c3), pr, bt16, v, Math.Min(n, pos3 + 1 - blockStart));
                }
            }
            for (; r < rows; r++) AttentionScores.RowBlock<TKv>(qs, kt, acc, p, max, sum, v, r, p0 + r / group, hd, bt, bt16, n, blockStart, window);
        }
        PagedAttention.End(a, w, t0, kvHead);
    }
}
