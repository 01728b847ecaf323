using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MemServe.Tokenization;

/// <summary>
/// The tokenizer.json "decoder" compiled to a per-token form that both full and streaming decoding
/// share: every id maps to a byte piece (byte-level tokens and &lt;0xNN&gt; byte-fallback tokens give
/// raw bytes, others UTF-8), the pieces are concatenated and read as UTF-8 (invalid bytes → U+FFFD),
/// and at most <see cref="LeadingStripCount"/> copies of <see cref="LeadingStripChar"/> are removed from
/// the very start of the text (a Strip after Fuse). The first token may differ (Metaspace drops its
/// replacement characters). Thread-safe; pieces are cached per id and must not be mutated.
/// </summary>
internal sealed class TokenDecoder
{
    private readonly DecodeStep[] _steps;
    private readonly string?[] _tokens;
    private readonly byte[]?[] _pieces;
    private readonly bool _firstDiffers;

    private TokenDecoder(DecodeStep[] steps, string?[] tokens, char stripChar, int stripCount)
    {
        _steps = steps;
        _tokens = tokens;
        _pieces = new byte[]?[tokens.Length];
        LeadingStripChar = stripChar;
        LeadingStripCount = stripCount;
        foreach (var step in steps)
            _firstDiffers |= step is MetaspaceStep { DropOnFirst: true };
    }

    /// <summary>The character stripped from the start of the decoded text.</summary>
    public char LeadingStripChar { get; }

    /// <summary>How many leading <see cref="LeadingStripChar"/> may be stripped (0: none).</summary>
    public int LeadingStripCount { get; }

    /// <summary>Builds the decoder for <paramref name="tokens"/> (id → token string, null for holes).</summary>
    public static TokenDecoder Create(JsonElement? decoder, string?[] tokens, TokenizerJson json)
    {
        var steps = new List<DecodeStep>();
        char stripChar = ' ';
        int stripCount = 0;
        bool fused = false;
        if (decoder is { } root)
            Add(root, "decoder");
        return new TokenDecoder([.. steps], tokens, stripChar, stripCount);

        void Add(JsonElement element, string path)
        {
            string type = json.TypeOf(element, path);
            switch (type)
            {
                case "Sequence":
                    var items = json.Array(element, "decoders", path);
                    for (int i = 0; i < items.GetArrayLength(); i++)
                        Add(items[i], $"{path}.decoders[{i}]");
                    break;
                case "Fuse":
                    fused = true;
                    break;
                case "ByteFallback":
                    steps.Add(new ByteFallbackStep());
                    break;
                case "ByteLevel":
                    steps.Add(new ByteLevelStep());
                    fused = true;
                    break;
                case "Replace":
                    var (pattern, isRegex) = json.Pattern(element, path);
                    string content = json.String(json.Required(element, "content", path), $"{path}.content");
                    steps.Add(new ReplaceStep(pattern, isRegex ? TextNormalizer.NewRegex(pattern, json, $"{path}.pattern.Regex") : null, content));
                    break;
                case "Metaspace":
                    var (replacement, scheme) = MetaspacePreTokenizer.ReadReplacementAndScheme(element, json, path);
                    steps.Add(new MetaspaceStep(replacement, scheme != MetaspacePreTokenizer.PrependScheme.Never));
                    break;
                case "Strip":
                    string c = json.String(json.Required(element, "content", path), $"{path}.content");
                    if (c.Length != 1)
                        throw json.Error($"{path}.content", "must be a single character");
                    int start = json.Int(element, "start", path, 0);
                    int stop = json.Int(element, "stop", path, 0);
                    if (!fused)
                        steps.Add(new StripStep(c[0], start, stop));
                    else if (stop > 0)
                        throw json.Unsupported($"{path}.stop", $"{stop} (Strip from the end after Fuse)");
                    else
                        (stripChar, stripCount) = (c[0], start);
                    break;
                default:
                    throw json.Unsupported($"{path}.type", type);
            }
        }
    }

    /// <summary>
    /// The bytes of token <paramref name="id"/>, or null when the id is outside the vocabulary.
    /// <paramref name="first"/> is true for the first token of the sequence being decoded.
    /// </summary>
    public byte[]? Piece(int id, bool first)
    {
        if ((uint)id >= (uint)_tokens.Length || _tokens[id] is not { } token)
            return null;
        if (first && _firstDiffers)
            return Compute(token, true);
        return _pieces[id] ??= Compute(token, false);
    }

    /// <summary>Applies the leading strip to a fully decoded text.</summary>
    public string StripLeading(string text)
    {
        int n = 0;
        while (n < LeadingStripCount && n < text.Length && text[n] == LeadingStripChar)
            n++;
        return n == 0 ? text : text[n..];
    }

    private byte[] Compute(string token, bool first)
    {
        foreach (var step in _steps)
        {
            switch (step)
            {
                case ByteLevelStep:
                    return ByteLevelAlphabet.Decode(token);
                case ByteFallbackStep when token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                    && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b):
                    return [b];
                case ReplaceStep r:
                    token = r.Regex is not null ? r.Regex.Replace(token, r.Content.Replace("$", "$$", StringComparison.Ordinal))
                        : r.Pattern.Length == 0 ? token : token.Replace(r.Pattern, r.Content, StringComparison.Ordinal);
                    break;
                case MetaspaceStep m:
                    token = token.Replace(m.Replacement, first && m.DropOnFirst ? "" : " ", StringComparison.Ordinal);
                    break;
                case StripStep s:
                    int from = 0, to = token.Length;
                    while (from < s.Start && from < to && token[from] == s.Content)
                        from++;
                    while (token.Length - to < s.Stop && to > from && token[to - 1] == s.Content)
                        to--;
                    token = token[from..to];
                    break;
            }
        }
        return Encoding.UTF8.GetBytes(token);
    }

    private abstract record DecodeStep;

    private sealed record ByteLevelStep : DecodeStep;

    private sealed record ByteFallbackStep : DecodeStep;

    private sealed record ReplaceStep(string Pattern, Regex? Regex, string Content) : DecodeStep;

    private sealed record MetaspaceStep(string Replacement, bool DropOnFirst) : DecodeStep;

    private sealed record StripStep(char Content, int Start, int Stop) : DecodeStep;
}
