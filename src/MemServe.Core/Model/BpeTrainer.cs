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
        var pairs = new PairIndex();
        for (int w = 0; w < words.Length; w++) pairs.Add(words, w, +1);

        var merges = new List<(string, string)>(maxMerges);
        while (merges.Count < maxMerges)
        {
            (int left, int right, int count) = pairs.Best();
            if (count < minPairCount) break;

            string merged = vocab[left] + vocab[right];
            if (!ids.TryGetValue(merged, out int mergedId))
            {
                mergedId = vocab.Count;
                ids.Add(merged, mergedId);
                vocab.Add(merged);
            }
            merges.Add((vocab[left], vocab[right]));
            foreach (int w in pairs.TakeWordsWith(left, right))
            {
                pairs.Add(words, w, -1);
                words[w].Symbols = ApplyMerge(words[w].Symbols, left, right, mergedId);
                pairs.Add(words, w, +1);
            }
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

    /// <summary>Pair counts over all words, updated incrementally, plus which words hold each pair.</summary>
    private sealed class PairIndex
    {
        private readonly Dictionary<long, int> _counts = new();
        private readonly Dictionary<long, HashSet<int>> _words = new();

        /// <summary>Adds (<paramref name="sign"/> = +1) or removes (−1) word <paramref name="w"/>'s pairs.</summary>
        public void Add((int[] Symbols, int Count)[] words, int w, int sign)
        {
            var (symbols, count) = words[w];
            for (int i = 0; i + 1 < symbols.Length; i++)
            {
                long key = Key(symbols[i], symbols[i + 1]);
                int updated = _counts.GetValueOrDefault(key) + sign * count;
                if (updated > 0) _counts[key] = updated;
                else _counts.Remove(key);
                if (sign > 0)
                {
                    if (!_words.TryGetValue(key, out HashSet<int>? set)) _words[key] = set = [];
                    set.Add(w);
                }
            }
        }

        /// <summary>The most frequent pair; ties go to the lower left id, then the lower right id.</summary>
        public (int Left, int Right, int Count) Best()
        {
            long bestKey = long.MaxValue;
            int bestCount = 0;
            foreach (var (key, count) in _counts)
            {
                if (count > bestCount || (count == bestCount && key < bestKey))
                {
                    bestKey = key;
                    bestCount = count;
                }
            }
            return bestCount == 0 ? (0, 0, 0) : ((int)(bestKey >> 32), (int)(bestKey & 0xFFFF_FFFF), bestCount);
        }

        /// <summary>The words that may hold the pair (some entries may be stale), forgetting them.</summary>
        public int[] TakeWordsWith(int left, int right)
        {
            long key = Key(left, right);
            if (!_words.Remove(key, out HashSet<int>? set)) return [];
            int[] result = [.. set];
            Array.Sort(result);
            return result;
        }

        private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
    }
}
