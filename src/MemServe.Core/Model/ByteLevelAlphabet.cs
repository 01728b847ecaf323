using System.Text;

namespace MemServe.Model;

/// <summary>
/// The GPT-2 byte-level alphabet used by byte-level BPE tokenizers (GPT-2, Llama 3, Qwen): every byte
/// maps to one printable Unicode character. Printable Latin-1 bytes (<c>!</c>..<c>~</c>, <c>¡</c>..<c>¬</c>,
/// <c>®</c>..<c>ÿ</c>) map to themselves; the remaining 68 bytes map, in byte order, to U+0100 onwards
/// (so a space becomes <c>Ġ</c>, a newline <c>Ċ</c>). <see cref="OrderedBytes"/> is the conventional id order
/// of the 256 base tokens.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildTable(out s_orderedBytes);
    private static readonly byte[] s_orderedBytes;

    /// <summary>The character standing for <paramref name="b"/>.</summary>
    public static char ToChar(byte b) => s_byteToChar[b];

    /// <summary>The 256 bytes in base-vocabulary order (printable ones first, then the rest).</summary>
    public static ReadOnlySpan<byte> OrderedBytes => s_orderedBytes;

    /// <summary>The byte-level string for the UTF-8 encoding of <paramref name="text"/>.</summary>
    public static string Encode(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var chars = new char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++) chars[i] = s_byteToChar[utf8[i]];
        return new string(chars);
    }

    private static char[] BuildTable(out byte[] ordered)
    {
        var table = new char[256];
        var printable = new bool[256];
        var order = new List<byte>(256);
        foreach (var (first, last) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
        {
            for (int c = first; c <= last; c++)
            {
                printable[c] = true;
                table[c] = (char)c;
                order.Add((byte)c);
            }
        }
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (printable[b]) continue;
            table[b] = (char)(256 + next++);
            order.Add((byte)b);
        }
        ordered = order.ToArray();
        return table;
    }
}
