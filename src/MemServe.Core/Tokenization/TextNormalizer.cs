using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MemServe.Tokenization;

/// <summary>
/// A tokenizer.json "normalizer": rewrites one text segment (never an added token) before
/// pre-tokenization. Implementations are immutable and thread-safe.
/// </summary>
internal abstract class TextNormalizer
{
    /// <summary>Returns the normalized form of <paramref name="text"/>.</summary>
    public abstract string Normalize(string text);

    /// <summary>Reads a normalizer object; unknown types throw <see cref="TokenizerFormatException"/>.</summary>
    public static TextNormalizer Parse(JsonElement element, TokenizerJson json, string path)
    {
        string type = json.TypeOf(element, path);
        switch (type)
        {
            case "NFC": return new UnicodeForm(NormalizationForm.FormC);
            case "NFD": return new UnicodeForm(NormalizationForm.FormD);
            case "NFKC": return new UnicodeForm(NormalizationForm.FormKC);
            case "NFKD": return new UnicodeForm(NormalizationForm.FormKD);
            case "Lowercase": return new Lowercase();
            case "Prepend": return new Prepend(json.String(json.Required(element, "prepend", path), $"{path}.prepend"));
            case "Strip":
                return new Strip(json.Bool(element, "strip_left", path, true), json.Bool(element, "strip_right", path, true));
            case "Replace":
                var (pattern, isRegex) = json.Pattern(element, path);
                string content = json.String(json.Required(element, "content", path), $"{path}.content");
                return new Replace(pattern, isRegex ? NewRegex(pattern, json, $"{path}.pattern.Regex") : null, content);
            case "Sequence":
                var items = json.Array(element, "normalizers", path);
                var steps = new TextNormalizer[items.GetArrayLength()];
                for (int i = 0; i < steps.Length; i++)
                    steps[i] = Parse(items[i], json, $"{path}.normalizers[{i}]");
                return new Sequence(steps);
            default:
                throw json.Unsupported($"{path}.type", type);
        }
    }

    /// <summary>Compiles a pattern from tokenizer.json, reporting a bad one against its field.</summary>
    internal static Regex NewRegex(string pattern, TokenizerJson json, string path)
    {
        try
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            throw new TokenizerFormatException($"{json.Source}: field '{path}' is not a valid regex: {ex.Message}", ex);
        }
    }

    private sealed class UnicodeForm(NormalizationForm form) : TextNormalizer
    {
        public override string Normalize(string text) => UnicodeNormalization.Normalize(text, form);
    }

    private sealed class Lowercase : TextNormalizer
    {
        public override string Normalize(string text) => text.ToLowerInvariant();
    }

    private sealed class Prepend(string prefix) : TextNormalizer
    {
        public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
    }

    private sealed class Strip(bool left, bool right) : TextNormalizer
    {
        public override string Normalize(string text) =>
            left && right ? text.Trim() : left ? text.TrimStart() : right ? text.TrimEnd() : text;
    }

    private sealed class Replace(string pattern, Regex? regex, string content) : TextNormalizer
    {
        public override string Normalize(string text) =>
            regex is not null ? regex.Replace(text, content.Replace("$", "$$", StringComparison.Ordinal))
            : pattern.Length == 0 ? text
            : text.Replace(pattern, content, StringComparison.Ordinal);
    }

    private sealed class Sequence(TextNormalizer[] steps) : TextNormalizer
    {
        public override string Normalize(string text)
        {
            foreach (var step in steps)
                text = step.Normalize(text);
            return text;
        }
    }
}
