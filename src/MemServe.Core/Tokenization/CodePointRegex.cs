using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MemServe.Tokenization;

/// <summary>
/// A .NET <see cref="Regex"/> that behaves as if it ran over Unicode code points, as the Rust regex
/// engines behind Hugging Face tokenizers do. .NET matches UTF-16 units, so an astral character
/// (a surrogate pair) would never match <c>\p{L}</c> and an optional single-character class could take
/// half of it. When the input has surrogates, each pair is replaced by one BMP stand-in character of
/// the same Unicode category, the regex runs on that, and match offsets are mapped back; a pair is
/// therefore never split. Thread-safe.
/// </summary>
internal sealed class CodePointRegex
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>; an invalid pattern throws <see cref="ArgumentException"/>.</summary>
    public CodePointRegex(string pattern) =>
        _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Appends the (start, length) of every non-empty match in <paramref name="text"/>, in order.</summary>
    public void Matches(string text, List<(int Start, int Length)> matches)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var m in _regex.EnumerateMatches(text))
            {
                if (m.Length > 0)
                    matches.Add((m.Index, m.Length));
            }
            return;
        }

        var mapped = new StringBuilder(text.Length);
        var origin = new int[text.Length + 1]; // mapped index → original index
        for (int i = 0; i < text.Length;)
        {
            origin[mapped.Length] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                mapped.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i += 2;
            }
            else
            {
                mapped.Append(text[i]);
                i++;
            }
        }
        origin[mapped.Length] = text.Length;

        foreach (var m in _regex.EnumerateMatches(mapped.ToString()))
        {
            if (m.Length > 0)
            {
                int start = origin[m.Index];
                matches.Add((start, origin[m.Index + m.Length] - start));
            }
        }
    }

    /// <summary>A BMP character of <paramref name="category"/> that no tokenizer pattern names literally.</summary>
    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0100',
        UnicodeCategory.LowercaseLetter => '\u0101',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u0F3A',
        UnicodeCategory.ClosePunctuation => '\u0F3B',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00B7',
        UnicodeCategory.MathSymbol => '\u00D7',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.Format => '\u00AD',
        _ => '\uE000', // private use / unassigned
    };
}
