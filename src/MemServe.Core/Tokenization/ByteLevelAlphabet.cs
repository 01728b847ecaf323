using System.Buffers;
using System.Text;

namespace MemServe.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ printable-character mapping used by byte-level BPE: printable Latin-1
/// bytes map to themselves, the other 68 bytes map to U+0100.. in byte order. Immutable, thread-safe.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[324];
        System.Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++)
            map[ByteToChar[b]] = (short)b;
        return map;
    }

    /// <summary>Maps the UTF-8 bytes of <paramref name="text"/> to byte-level characters.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        int byteCount = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = byteCount > 512 ? ArrayPool<byte>.Shared.Rent(byteCount) : null;
        Span<byte> bytes = rented is null ? stackalloc byte[byteCount] : rented.AsSpan(0, byteCount);
        Encoding.UTF8.GetBytes(text, bytes);
        char[]? rentedChars = byteCount > 512 ? ArrayPool<char>.Shared.Rent(byteCount) : null;
        Span<char> chars = rentedChars is null ? stackalloc char[byteCount] : rentedChars.AsSpan(0, byteCount);
        for (int i = 0; i < byteCount; i++)
            chars[i] = ByteToChar[bytes[i]];
        string result = new(chars);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
        if (rentedChars is not null)
            ArrayPool<char>.Shared.Return(rentedChars);
        return result;
    }

    /// <summary>
    /// Maps a byte-level token back to bytes. As Hugging Face does, a token with any character outside
    /// the alphabet (e.g. an added token such as "&lt;think&gt;" with non-Latin text) yields its raw UTF-8.
    /// </summary>
    public static byte[] Decode(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            int b = c < CharToByte.Length ? CharToByte[c] : -1;
            if (b < 0)
                return Encoding.UTF8.GetBytes(token);
            bytes[i] = (byte)b;
        }
        return bytes;
    }
}
