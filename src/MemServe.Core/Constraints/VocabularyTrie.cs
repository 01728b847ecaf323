namespace MemServe.Constraints;

/// <summary>
/// A byte trie of the vocabulary in preorder arrays, so a mask is one forward pass that skips dead subtrees.
/// Node 0 is the root (no byte); node i's subtree is [i, <see cref="SubtreeEnd"/>[i]). Tokens with the same bytes
/// share a node. Immutable and thread-safe.
/// </summary>
internal sealed class VocabularyTrie
{
    public VocabularyTrie(TokenVocabulary vocabulary)
    {
        var ids = new List<int>();
        for (int t = 0; t < vocabulary.Count; t++)
        {
            if (!vocabulary.Bytes(t).IsEmpty)
                ids.Add(t);
        }
        var sorted = ids.ToArray();
        Array.Sort(sorted, (a, b) =>
        {
            int c = vocabulary.Bytes(a).SequenceCompareTo(vocabulary.Bytes(b));
            return c != 0 ? c : a.CompareTo(b);
        });
        TokenOrder = sorted;

        var label = new List<byte> { 0 };
        var depth = new List<int> { 0 };
        var end = new List<int> { 0 };
        var tokenStart = new List<int> { 0 };
        var tokenCount = new List<int> { 0 };
        var path = new List<int> { 0 }; // path[d] = node at depth d on the current branch
        ReadOnlySpan<byte> previous = default;
        for (int i = 0; i < sorted.Length; i++)
        {
            var bytes = vocabulary.Bytes(sorted[i]);
            int common = bytes.CommonPrefixLength(previous);
            while (path.Count - 1 > common)
            {
                end[path[^1]] = label.Count;
                path.RemoveAt(path.Count - 1);
            }
            for (int d = common; d < bytes.Length; d++)
            {
                path.Add(label.Count);
                label.Add(bytes[d]);
                depth.Add(d + 1);
                end.Add(0);
                tokenStart.Add(i);
                tokenCount.Add(0);
            }
            int node = path[^1];
            if (tokenCount[node] == 0)
                tokenStart[node] = i;
            tokenCount[node]++;
            previous = bytes;
        }
        while (path.Count > 0)
        {
            end[path[^1]] = label.Count;
            path.RemoveAt(path.Count - 1);
        }
        Label = [.. label];
        Depth = [.. depth];
        SubtreeEnd = [.. end];
        TokenStart = [.. tokenStart];
        TokenCount = [.. tokenCount];
        MaxDepth = 0;
        foreach (int d in Depth)
            MaxDepth = Math.Max(MaxDepth, d);
    }

    /// <summary>(nodes) the byte on the edge into each node.</summary>
    public byte[] Label { get; }

    /// <summary>(nodes) depth of each node; the root is 0.</summary>
    public int[] Depth { get; }

    /// <summary>(nodes) one past the last node of each node's subtree.</summary>
    public int[] SubtreeEnd { get; }

    /// <summary>(nodes) first index into <see cref="TokenOrder"/> of the tokens ending at each node.</summary>
    public int[] TokenStart { get; }

    /// <summary>(nodes) number of tokens ending at each node.</summary>
    public int[] TokenCount { get; }

    /// <summary>Token ids with bytes, sorted by bytes.</summary>
    public int[] TokenOrder { get; }

    public int MaxDepth { get; }

    public int NodeCount => Label.Length;
}
