using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// A tokenizer.json "pre_tokenizer": cuts a normalized segment into words that BPE encodes
/// independently (and may rewrite them, as ByteLevel and Metaspace do). Immutable and thread-safe.
/// </summary>
internal abstract class PreTokenizer
{
    /// <summary>GPT-2's own split regex, applied by ByteLevel when use_regex is true.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Appends the parts of <paramref name="piece"/> to <paramref name="output"/>. <paramref name="isFirst"/>
    /// is true for the piece that starts at offset 0 of the whole input (Metaspace "first").
    /// </summary>
    public abstract void Split(string piece, bool isFirst, List<string> output);

    /// <summary>Runs this pre-tokenizer over every piece of <paramref name="pieces"/>.</summary>
    public List<string> Run(List<string> pieces, bool firstSegment)
    {
        var output = new List<string>(pieces.Count * 4);
        for (int i = 0; i < pieces.Count; i++)
            Split(pieces[i], firstSegment && i == 0, output);
        return output;
    }

    /// <summary>Reads a pre-tokenizer object; unknown types throw <see cref="TokenizerFormatException"/>.</summary>
    public static PreTokenizer Parse(JsonElement element, TokenizerJson json, string path)
    {
        string type = json.TypeOf(element, path);
        switch (type)
        {
            case "Sequence":
                var items = json.Array(element, "pretokenizers", path);
                var steps = new PreTokenizer[items.GetArrayLength()];
                for (int i = 0; i < steps.Length; i++)
                    steps[i] = Parse(items[i], json, $"{path}.pretokenizers[{i}]");
                return new Sequence(steps);
            case "Split":
                var (pattern, isRegex) = json.Pattern(element, path);
                string behaviorName = json.String(json.Required(element, "behavior", path), $"{path}.behavior");
                if (!Enum.TryParse(behaviorName, out SplitBehavior behavior) || !Enum.IsDefined(behavior))
                    throw json.Unsupported($"{path}.behavior", behaviorName);
                var regex = NewRegex(isRegex ? pattern : System.Text.RegularExpressions.Regex.Escape(pattern), json, $"{path}.pattern");
                return new RegexSplit(regex, behavior, json.Bool(element, "invert", path, false));
            case "ByteLevel":
                return new ByteLevel(json.Bool(element, "add_prefix_space", path, true),
                    json.Bool(element, "use_regex", path, true) ? new CodePointRegex(Gpt2Pattern) : null);
            case "Metaspace":
                return MetaspacePreTokenizer.Parse(element, json, path);
            case "Digits":
                return new RegexSplit(new CodePointRegex(@"\p{N}"),
                    json.Bool(element, "individual_digits", path, false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false);
            case "Whitespace":
                return new RegexSplit(new CodePointRegex(@"\w+|[^\w\s]+"), SplitBehavior.Removed, true);
            case "WhitespaceSplit":
                return new RegexSplit(new CodePointRegex(@"\s+"), SplitBehavior.Removed, false);
            default:
                throw json.Unsupported($"{path}.type", type);
        }
    }

    private static CodePointRegex NewRegex(string pattern, TokenizerJson json, string path)
    {
        try
        {
            return new CodePointRegex(pattern);
        }
        catch (ArgumentException ex)
        {
            throw new TokenizerFormatException($"{json.Source}: field '{path}' is not a valid regex: {ex.Message}", ex);
        }
    }

    private sealed class Sequence(PreTokenizer[] steps) : PreTokenizer
    {
        public override void Split(string piece, bool isFirst, List<string> output)
        {
            var pieces = new List<string> { piece };
            foreach (var step in steps)
                pieces = step.Run(pieces, isFirst);
            output.AddRange(pieces);
        }
    }

    private sealed class RegexSplit(CodePointRegex regex, SplitBehavior behavior, bool invert) : PreTokenizer
    {
        public override void Split(string piece, bool isFirst, List<string> output)
        {
            var matches = new List<(int Start, int Length)>();
            regex.Matches(piece, matches);
            PieceSplitter.Split(piece, matches, behavior, invert, output);
        }
    }

    private sealed class ByteLevel(bool addPrefixSpace, CodePointRegex? regex) : PreTokenizer
    {
        public override void Split(string piece, bool isFirst, List<string> output)
        {
            if (addPrefixSpace && !piece.StartsWith(' '))
                piece = " " + piece;
            if (regex is null)
            {
                output.Add(ByteLevelAlphabet.Encode(piece));
                return;
            }
            var matches = new List<(int Start, int Length)>();
            regex.Matches(piece, matches);
            var parts = new List<string>(matches.Count + 1);
            PieceSplitter.Split(piece, matches, SplitBehavior.Isolated, false, parts);
            foreach (string part in parts)
                output.Add(ByteLevelAlphabet.Encode(part));
        }
    }
}
