namespace MemServe.Constraints;

/// <summary>Sets of Unicode scalar values as sorted, disjoint, inclusive pairs (lo0, hi0, lo1, hi1, ...); surrogates
/// (U+D800–U+DFFF) are never members, since they have no UTF-8 encoding.</summary>
internal static class CodePointRanges
{
    public const int MaxCodePoint = 0x10FFFF;

    /// <summary>Every scalar value (GBNF's <c>.</c>).</summary>
    public static readonly int[] Any = [0, 0xD7FF, 0xE000, MaxCodePoint];

    /// <summary>Sorts and merges the pairs in <paramref name="pairs"/> and removes surrogates.</summary>
    public static int[] Normalize(List<int> pairs)
    {
        var list = new List<(int Lo, int Hi)>();
        for (int i = 0; i < pairs.Count; i += 2)
        {
            int lo = pairs[i], hi = pairs[i + 1];
            if (lo < 0xD800 && hi >= 0xD800)
            {
                list.Add((lo, 0xD7FF));
                lo = 0xE000;
            }
            else if (lo is >= 0xD800 and <= 0xDFFF)
                lo = 0xE000;
            if (hi is >= 0xD800 and <= 0xDFFF)
                hi = 0xD7FF;
            if (lo <= hi)
                list.Add((lo, hi));
        }
        list.Sort();
        var merged = new List<int>();
        foreach (var (lo, hi) in list)
        {
            if (merged.Count > 0 && lo <= merged[^1] + 1)
                merged[^1] = Math.Max(merged[^1], hi);
            else
            {
                merged.Add(lo);
                merged.Add(hi);
            }
        }
        return [.. merged];
    }

    /// <summary>The scalar values not in <paramref name="set"/> (a normalized set).</summary>
    public static int[] Complement(int[] set)
    {
        var pairs = new List<int>();
        int next = 0;
        for (int i = 0; i < set.Length; i += 2)
        {
            if (set[i] > next)
            {
                pairs.Add(next);
                pairs.Add(set[i] - 1);
            }
            next = set[i + 1] + 1;
        }
        if (next <= MaxCodePoint)
        {
            pairs.Add(next);
            pairs.Add(MaxCodePoint);
        }
        return Normalize(pairs);
    }

    /// <summary>
    /// Splits [<paramref name="lo"/>, <paramref name="hi"/>] (no surrogates inside) into UTF-8 byte-range sequences:
    /// each entry lists, per byte of the encoding, the inclusive byte range (lo, hi) allowed at that byte.
    /// </summary>
    public static void Utf8Sequences(int lo, int hi, List<(byte Lo, byte Hi)[]> output)
    {
        int[] limits = [0x7F, 0x7FF, 0xFFFF, MaxCodePoint];
        foreach (int limit in limits)
        {
            if (lo > hi)
                return;
            if (lo <= limit)
            {
                int end = Math.Min(hi, limit);
                SplitSameLength(lo, end, output);
                lo = end + 1;
            }
        }
    }

    private static void SplitSameLength(int lo, int hi, List<(byte Lo, byte Hi)[]> output)
    {
        int length = Utf8Length(lo);
        for (int i = 1; i < length; i++)
        {
            int mask = (1 << (6 * i)) - 1;
            if ((lo & ~mask) != (hi & ~mask))
            {
                if ((lo & mask) != 0)
                {
                    SplitSameLength(lo, lo | mask, output);
                    SplitSameLength((lo | mask) + 1, hi, output);
                    return;
                }
                if ((hi & mask) != mask)
                {
                    SplitSameLength(lo, (hi & ~mask) - 1, output);
                    SplitSameLength(hi & ~mask, hi, output);
                    return;
                }
            }
        }
        Span<byte> a = stackalloc byte[4], b = stackalloc byte[4];
        Encode(lo, a);
        Encode(hi, b);
        var sequence = new (byte, byte)[length];
        for (int i = 0; i < length; i++)
            sequence[i] = (a[i], b[i]);
        output.Add(sequence);
    }

    private static int Utf8Length(int cp) => cp <= 0x7F ? 1 : cp <= 0x7FF ? 2 : cp <= 0xFFFF ? 3 : 4;

    private static void Encode(int cp, Span<byte> bytes)
    {
        switch (Utf8Length(cp))
        {
            case 1:
                bytes[0] = (byte)cp;
                break;
            case 2:
                bytes[0] = (byte)(0xC0 | (cp >> 6));
                bytes[1] = (byte)(0x80 | (cp & 0x3F));
                break;
            case 3:
                bytes[0] = (byte)(0xE0 | (cp >> 12));
                bytes[1] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                bytes[2] = (byte)(0x80 | (cp & 0x3F));
                break;
            default:
                bytes[0] = (byte)(0xF0 | (cp >> 18));
                bytes[1] = (byte)(0x80 | ((cp >> 12) & 0x3F));
                bytes[2] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                bytes[3] = (byte)(0x80 | (cp & 0x3F));
                break;
        }
    }
}
