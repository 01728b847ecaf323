using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// The BPE model of tokenizer.json ("model": {"type": "BPE", ...}): vocab, ranked merges, unk_token,
/// fuse_unk, byte_fallback (&lt;0xNN&gt; tokens) and ignore_merges. Immutable after construction
/// except for its internal thread-safe word cache; safe to use from many threads.
/// </summary>
internal sealed class BpeModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<long, long> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly int? _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly BpeCache _cache = new();

    private BpeModel(Dictionary<string, int> vocab, Dictionary<long, long> merges, int? unkId, bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        _vocab = vocab;
        _lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = merges;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        Span<char> name = stackalloc char[6];
        for (int b = 0; b < 256; b++)
        {
            $"<0x{b:X2}>".AsSpan().CopyTo(name);
            _byteIds[b] = _lookup.TryGetValue(name, out int id) ? id : -1;
        }
    }

    /// <summary>Token string → id for the model's own vocabulary (added tokens excluded).</summary>
    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>Reads the "model" object; throws <see cref="TokenizerFormatException"/> for other model types.</summary>
    public static BpeModel Parse(JsonElement model, TokenizerJson json)
    {
        string type = json.OptionalString(model, "type", "model") ?? "BPE";
        if (type != "BPE")
            throw json.Unsupported("model.type", type);
        foreach (string affix in (ReadOnlySpan<string>)["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (!string.IsNullOrEmpty(json.OptionalString(model, affix, "model")))
                throw json.Unsupported($"model.{affix}", json.OptionalString(model, affix, "model"));
        }

        var vocabElement = json.Required(model, "vocab", "model");
        if (vocabElement.ValueKind != JsonValueKind.Object)
            throw json.Error("model.vocab", "must be an object of token → id");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw json.Error($"model.vocab[\"{entry.Name}\"]", $"must be a non-negative integer, found '{entry.Value}'");
            vocab[entry.Name] = id;
        }
        var lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();

        var mergesElement = json.Array(model, "merges", "model");
        var merges = new Dictionary<long, long>(mergesElement.GetArrayLength());
        int rank = 0;
        char[] joined = new char[256];
        foreach (var merge in mergesElement.EnumerateArray())
        {
            (string text, int split) = ReadMerge(merge, rank, json);
            var l = text.AsSpan(0, split);
            var r = text.AsSpan(split + (merge.ValueKind == JsonValueKind.String ? 1 : 0));
            if (l.Length + r.Length > joined.Length)
                joined = new char[l.Length + r.Length];
            l.CopyTo(joined);
            r.CopyTo(joined.AsSpan(l.Length));
            if (!lookup.TryGetValue(l, out int li) || !lookup.TryGetValue(r, out int ri) || !lookup.TryGetValue(joined.AsSpan(0, l.Length + r.Length), out int mi))
                throw json.Error($"model.merges[{rank}]", $"'{l} {r}' uses a token missing from model.vocab");
            merges[BpeMerger.Key(li, ri)] = BpeMerger.Value(rank, mi);
            rank++;
        }

        int? unkId = null;
        if (json.OptionalString(model, "unk_token", "model") is { } unk)
            unkId = vocab.TryGetValue(unk, out int u) ? u : throw json.Error("model.unk_token", $"'{unk}' is not in model.vocab");
        return new BpeModel(vocab, merges, unkId,
            json.Bool(model, "fuse_unk", "model", false),
            json.Bool(model, "byte_fallback", "model", false),
            json.Bool(model, "ignore_merges", "model", false));
    }

    /// <summary>
    /// Reads merge <paramref name="index"/>: "a b" returns the string and the space's index; ["a", "b"]
    /// returns "ab" and the length of "a".
    /// </summary>
    private static (string Text, int Split) ReadMerge(JsonElement merge, int index, TokenizerJson json)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            string s = merge.GetString()!;
            int space = s.IndexOf(' ', 1);
            if (space > 0 && space < s.Length - 1)
                return (s, space);
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            string left = merge[0].GetString()!;
            return (left + merge[1].GetString(), left.Length);
        }
        throw json.Error($"model.merges[{index}]", "must be \"a b\" or [\"a\", \"b\"]");
    }

    /// <summary>Appends the ids of one pre-tokenized word to <paramref name="output"/>.</summary>
    public void Encode(string word, List<int> output)
    {
        if (word.Length == 0)
            return;
        if (_cache.TryGet(word, out int[] cached))
        {
            output.AddRange(cached);
            return;
        }
        if (_ignoreMerges && _vocab.TryGetValue(word, out int whole))
        {
            output.Add(whole);
            return;
        }

        int capacity = word.Length * 4; // worst case: every char falls back to 4 byte tokens
        int[]? rented = capacity > 256 ? ArrayPool<int>.Shared.Rent(capacity) : null;
        Span<int> symbols = rented is null ? stackalloc int[capacity] : rented.AsSpan(0, capacity);
        int count = InitialSymbols(word, symbols);
        int[] ids = BpeMerger.Merge(symbols[..count], _merges);
        if (rented is not null)
            ArrayPool<int>.Shared.Return(rented);

        _cache.Add(word, ids);
        output.AddRange(ids);
    }

    private int InitialSymbols(string word, Span<int> symbols)
    {
        int count = 0;
        bool lastWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < word.Length;)
        {
            int width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var ch = word.AsSpan(i, width);
            i += width;
            if (_lookup.TryGetValue(ch, out int id))
            {
                symbols[count++] = id;
                lastWasUnk = false;
                continue;
            }
            if (_byteFallback && TryByteFallback(ch, utf8, symbols, ref count))
            {
                lastWasUnk = false;
                continue;
            }
            if (_unkId is int unk && !(_fuseUnk && lastWasUnk))
            {
                symbols[count++] = unk;
                lastWasUnk = true;
            }
        }
        return count;
    }

    private bool TryByteFallback(ReadOnlySpan<char> ch, Span<byte> utf8, Span<int> symbols, ref int count)
    {
        if (Encoding.UTF8.GetBytes(ch, utf8) is int n && n > 0)
        {
            for (int b = 0; b < n; b++)
            {
                if (_byteIds[utf8[b]] < 0)
                    return false;
            }
            for (int b = 0; b < n; b++)
                symbols[count++] = _byteIds[utf8[b]];
            return true;
        }
        return false;
    }
}
