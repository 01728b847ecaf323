using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// SentencePiece-style pre-tokenizer: spaces become the replacement character (usually "▁"), which is
/// prepended per prepend_scheme ("always", "first": only at the start of the input, "never"), and with
/// split=true each word starts at a replacement character. Immutable and thread-safe.
/// </summary>
internal sealed class MetaspacePreTokenizer : PreTokenizer
{
    private readonly string _replacement;
    private readonly PrependScheme _scheme;
    private readonly CodePointRegex? _splitter;

    /// <summary>When the replacement character is prepended to a piece.</summary>
    internal enum PrependScheme
    {
        /// <summary>Always.</summary>
        Always,

        /// <summary>Only to the piece at the very start of the input.</summary>
        First,

        /// <summary>Never.</summary>
        Never,
    }

    private MetaspacePreTokenizer(string replacement, PrependScheme scheme, bool split)
    {
        _replacement = replacement;
        _scheme = scheme;
        _splitter = split ? new CodePointRegex(System.Text.RegularExpressions.Regex.Escape(replacement)) : null;
    }

    /// <summary>Reads replacement, prepend_scheme (or the legacy add_prefix_space) and split.</summary>
    public static new MetaspacePreTokenizer Parse(JsonElement element, TokenizerJson json, string path)
    {
        var (replacement, scheme) = ReadReplacementAndScheme(element, json, path);
        return new MetaspacePreTokenizer(replacement, scheme, json.Bool(element, "split", path, true));
    }

    /// <summary>Shared with the Metaspace decoder: the replacement string and the prepend scheme.</summary>
    internal static (string Replacement, PrependScheme Scheme) ReadReplacementAndScheme(JsonElement element, TokenizerJson json, string path)
    {
        string replacement = json.OptionalString(element, "replacement", path) ?? "\u2581";
        if (replacement.Length == 0)
            throw json.Error($"{path}.replacement", "must not be empty");
        PrependScheme scheme = json.OptionalString(element, "prepend_scheme", path) switch
        {
            null => json.Bool(element, "add_prefix_space", path, true) ? PrependScheme.Always : PrependScheme.Never,
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            var other => throw json.Unsupported($"{path}.prepend_scheme", other),
        };
        return (replacement, scheme);
    }

    /// <inheritdoc/>
    public override void Split(string piece, bool isFirst, List<string> output)
    {
        piece = piece.Replace(" ", _replacement, StringComparison.Ordinal);
        bool prepend = _scheme == PrependScheme.Always || (_scheme == PrependScheme.First && isFirst);
        if (prepend && !piece.StartsWith(_replacement, StringComparison.Ordinal))
            piece = _replacement + piece;
        if (_splitter is null)
        {
            output.Add(piece);
            return;
        }
        var matches = new List<(int Start, int Length)>();
        _splitter.Matches(piece, matches);
        PieceSplitter.Split(piece, matches, SplitBehavior.MergedWithNext, false, output);
    }
}
