using System.Text.RegularExpressions;

namespace MemServe.Model;

/// <summary>A trained byte-level BPE model: tokens in id order and merges in rank order.</summary>
/// <param name="Vocab">Token strings (byte-level alphabet); index = id. The first 256 are the base bytes.</param>
/// <param name="Merges">Merge rules, highest priority first; each part and each concatenation is in <paramref name="Vocab"/>.</param>
internal sealed record BpeModel(IReadOnlyList<string> Vocab, IReadOnlyList<(string Left, string Right)> Merges);

/// <summary>
/// A small deterministic byte-level BPE trainer. The corpus is split with the Llama 3 pre-tokenizer
/// regex, each piece is mapped to the GPT-2 byte alphabet, and the most frequent adjacent pair inside
/// a piece is merged repeatedly (ties broken by the lower left id, then the lower right id). Merges
/// never cross piece boundaries. A merge whose result already exists reuses its id. Same input, same
/// output, on every machine.
/// </summary>
internal static class BpeTrainer
{
    /// <summary>The Llama 3 split regex (contractions, letters, 1–3 digits, punctuation, newlines, spaces).</summary>
    public const string SplitPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Regex s_split = new(SplitPattern, RegexOptions.CultureInvariant);

    /// <summary>Learns up to <paramref name="maxMerges"/> merges from <paramref name="corpus"/>.</summary>
    /// <param name="corpus">Training text.</param>
    /// <param name="maxMerges">Upper bound on merges.</param>
    /// <param name="minPairCount">Training stops when the best pair occurs fewer times than this.</param>
    public static BpeModel Train(string corpus, int maxMerges, int minPairCount = 2)
    {
        var vocab = new List<string>(256 + maxMerges);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (byte b in ByteLevelAlphabet.OrderedBytes)
        {
            string symbol = ByteLevelAlphabet.ToChar(b).ToString();
            ids.Add(symbol, vocab.Count);
            vocab.Add(symbol);
        }

        (int[] Symbols, int Count)[] words = CountWords(corpus, ids);
        var merges = new List<(string, string)>(maxMerges);
        var pairCounts = new Dictionary<long, int>();
        while (merges.Count < maxMerges)
        {
            CountPairs(words, pairCounts);
            (int left, int right, int count) = BestPair(pairCounts);
            if (count < minPairCount) break;

            string merged = vocab[left] + vocab[right];
            if (!ids.TryGetValue(merged, out int mergedId))
            {
                mergedId = vocab.Count;
                ids.Add(merged, mergedId);
                vocab.Add(merged);
            }
            merges.Add((vocab[left], vocab[right]));
            for (int w = 0; w < words.Length; w++) words[w].Symbols = ApplyMerge(words[w].Symbols, left, right, mergedId);
        }
        return new BpeModel(vocab, merges);
    }

    private static (int[] Symbols, int Count)[] CountWords(string corpus, Dictionary<string, int> ids)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in s_split.Matches(corpus))
        {
            string piece = ByteLevelAlphabet.Encode(match.Value);
            counts[piece] = counts.GetValueOrDefault(piece) + 1;
        }
        var pieces = new string[counts.Count];
        counts.Keys.CopyTo(pieces, 0);
        Array.Sort(pieces, StringComparer.Ordinal);
        var words = new (int[] Symbols, int Count)[pieces.Length];
        for (int i = 0; i < pieces.Length; i++)
        {
            var symbols = new int[pieces[i].Length];
            for (int c = 0; c < symbols.Length; c++) symbols[c] = ids[pieces[i][c].ToString()];
            words[i] = (symbols, counts[pieces[i]]);
        }
        return words;
    }

    private static void CountPairs((int[] Symbols, int Count)[] words, Dictionary<long, int> pairCounts)
    {
        pairCounts.Clear();
        foreach (var (symbols, count) in words)
        {
            for (int i = 0; i + 1 < symbols.Length; i++)
            {
                long key = ((long)symbols[i] << 32) | (uint)symbols[i + 1];
                pairCounts[key] = pairCounts.GetValueOrDefault(key) + count;
            }
        }
    }

    private static (int Left, int Right, int Count) BestPair(Dictionary<long, int> pairCounts)
    {
        long bestKey = long.MaxValue;
        int bestCount = 0;
        foreach (var (key, count) in pairCounts)
        {
            if (count > bestCount || (count == bestCount && key < bestKey))
            {
                bestKey = key;
                bestCount = count;
            }
        }
        return bestCount == 0 ? (0, 0, 0) : ((int)(bestKey >> 32), (int)(bestKey & 0xFFFF_FFFF), bestCount);
    }

    private static int[] ApplyMerge(int[] symbols, int left, int right, int merged)
    {
        int found = -1;
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            if (symbols[i] == left && symbols[i + 1] == right)
            {
                found = i;
                break;
            }
        }
        if (found < 0) return symbols;

        var result = new List<int>(symbols.Length - 1);
        for (int i = 0; i < found; i++) result.Add(symbols[i]);
        for (int i = found; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(symbols[i]);
            }
        }
        return result.ToArray();
    }
}
