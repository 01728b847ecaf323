using System.Globalization;
using System.Text;

namespace MemServe.Tokenization;

/// <summary>
/// Unicode normalization forms NFC, NFD, NFKC and NFKD (UAX #15), implemented here because the BCL's
/// <see cref="string.Normalize(NormalizationForm)"/> is a no-op under InvariantGlobalization. Text
/// that cannot change (e.g. ASCII) is returned as is without touching the tables, which are built
/// on first use from <see cref="UnicodeNormalizationData"/>. Thread-safe.
/// </summary>
internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Tables.Build);

    /// <summary>Returns <paramref name="text"/> in <paramref name="form"/>.</summary>
    public static string Normalize(string text, NormalizationForm form)
    {
        // Below these limits every character is already normalized in the given form.
        char limit = form switch { NormalizationForm.FormC => '\u0300', NormalizationForm.FormD => '\u00C0', _ => '\u00A0' };
        if (!text.AsSpan().ContainsAnyExceptInRange('\0', (char)(limit - 1)))
            return text;

        var tables = Data.Value;
        bool compat = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        var cps = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
            Decompose(rune.Value, compat, tables, cps);

        for (int i = 1; i < cps.Count; i++)
        {
            int cc = tables.Class(cps[i]);
            for (int j = i; cc != 0 && j > 0 && tables.Class(cps[j - 1]) > cc; j--)
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
        }

        int count = form is NormalizationForm.FormC or NormalizationForm.FormKC ? Compose(cps, tables) : cps.Count;
        var sb = new StringBuilder(count + 4);
        for (int i = 0; i < count; i++)
            sb.Append(new Rune(cps[i]).ToString());
        return sb.ToString();
    }

    private static void Decompose(int cp, bool compat, Tables tables, List<int> output)
    {
        int s = cp - SBase;
        if ((uint)s < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
                output.Add(TBase + s % TCount);
            return;
        }
        if ((compat && tables.Compatibility.TryGetValue(cp, out int[]? mapping)) || tables.Canonical.TryGetValue(cp, out mapping))
        {
            foreach (int m in mapping)
                Decompose(m, compat, tables, output);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Canonical composition in place; returns the new length.</summary>
    private static int Compose(List<int> cps, Tables tables)
    {
        if (cps.Count == 0)
            return 0;
        int starterPos = 0;
        int lastClass = tables.Class(cps[0]) == 0 ? 0 : 256;
        int outPos = 1;
        for (int i = 1; i < cps.Count; i++)
        {
            int ch = cps[i];
            int cc = tables.Class(ch);
            if ((lastClass < cc || lastClass == 0) && ComposePair(cps[starterPos], ch, tables) is int composite)
            {
                cps[starterPos] = composite;
                continue;
            }
            if (cc == 0)
                starterPos = outPos;
            lastClass = cc;
            cps[outPos++] = ch;
        }
        return outPos;
    }

    private static int? ComposePair(int a, int b, Tables tables)
    {
        int l = a - LBase, v = b - VBase, s = a - SBase, t = b - TBase;
        if ((uint)l < LCount && (uint)v < VCount)
            return SBase + (l * VCount + v) * TCount;
        if ((uint)s < SCount && s % TCount == 0 && t > 0 && t < TCount)
            return a + t;
        return tables.Composition.TryGetValue(((long)a << 32) | (uint)b, out int c) ? c : null;
    }

    private sealed class Tables
    {
        public Dictionary<int, int> Classes { get; } = [];
        public Dictionary<int, int[]> Canonical { get; } = [];
        public Dictionary<int, int[]> Compatibility { get; } = [];
        public Dictionary<long, int> Composition { get; } = [];

        public int Class(int cp) => cp < 0x300 ? 0 : Classes.GetValueOrDefault(cp);

        public static Tables Build()
        {
            var t = new Tables();
            foreach (string entry in UnicodeNormalizationData.CombiningClasses.Split(';'))
            {
                var (range, cls) = Cut(entry, ':');
                var (first, last) = range.Contains('-') ? Cut(range, '-') : (range, range);
                for (int cp = Hex(first); cp <= Hex(last); cp++)
                    t.Classes[cp] = int.Parse(cls, CultureInfo.InvariantCulture);
            }
            foreach (string entry in UnicodeNormalizationData.Canonical.Split(';'))
            {
                bool excluded = entry[0] == '!';
                var (cp, mapping) = Mapping(excluded ? entry[1..] : entry);
                t.Canonical[cp] = mapping;
                if (!excluded)
                    t.Composition[((long)mapping[0] << 32) | (uint)mapping[1]] = cp;
            }
            foreach (string entry in UnicodeNormalizationData.Compatibility.Split(';'))
            {
                var (cp, mapping) = Mapping(entry);
                t.Compatibility[cp] = mapping;
            }
            return t;
        }

        private static (int Cp, int[] Mapping) Mapping(string entry)
        {
            var (cp, list) = Cut(entry, '>');
            string[] parts = list.Split(' ');
            var mapping = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                mapping[i] = Hex(parts[i]);
            return (Hex(cp), mapping);
        }

        private static (string, string) Cut(string s, char separator)
        {
            int i = s.IndexOf(separator);
            return (s[..i], s[(i + 1)..]);
        }

        private static int Hex(string s) => int.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }
}
