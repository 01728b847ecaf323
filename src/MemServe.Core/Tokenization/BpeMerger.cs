namespace MemServe.Tokenization;

/// <summary>
/// The BPE merge loop for one word: repeatedly applies the adjacent pair with the lowest merge rank
/// (ties: leftmost first), exactly as Hugging Face's BPE does. O(n log n) in the number of symbols via
/// a priority queue over (rank, position); stale queue entries are skipped by re-checking the pair.
/// </summary>
internal static class BpeMerger
{
    /// <summary>Packs an ordered pair of token ids into a merge-table key.</summary>
    public static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Packs a merge rank and the merged token id into a merge-table value.</summary>
    public static long Value(int rank, int mergedId) => ((long)rank << 32) | (uint)mergedId;

    /// <summary>
    /// Merges <paramref name="symbols"/> in place (the span is scratch and is overwritten) and returns
    /// the final token ids. <paramref name="merges"/> maps <see cref="Key"/> to <see cref="Value"/>.
    /// </summary>
    public static int[] Merge(Span<int> symbols, Dictionary<long, long> merges)
    {
        int n = symbols.Length;
        if (n <= 1)
            return symbols.ToArray();

        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        var queue = new PriorityQueue<int, long>(n);
        for (int i = 0; i + 1 < n; i++)
            Push(queue, merges, i, symbols[i], symbols[i + 1]);

        int alive = n;
        while (queue.TryDequeue(out int pos, out long priority))
        {
            int right = next[pos];
            if (symbols[pos] < 0 || right < 0)
                continue;
            if (!merges.TryGetValue(Key(symbols[pos], symbols[right]), out long info) || (info >> 32) != (priority >> 32))
                continue; // stale: this position now holds a different pair

            symbols[pos] = (int)(uint)info;
            symbols[right] = -1;
            alive--;
            int after = next[right];
            next[pos] = after;
            if (after >= 0)
                prev[after] = pos;

            if (prev[pos] >= 0)
                Push(queue, merges, prev[pos], symbols[prev[pos]], symbols[pos]);
            if (after >= 0)
                Push(queue, merges, pos, symbols[pos], symbols[after]);
        }

        var result = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i])
            result[k++] = symbols[i];
        return result;
    }

    private static void Push(PriorityQueue<int, long> queue, Dictionary<long, long> merges, int pos, int left, int right)
    {
        if (merges.TryGetValue(Key(left, right), out long info))
            queue.Enqueue(pos, ((info >> 32) << 32) | (uint)pos);
    }
}
