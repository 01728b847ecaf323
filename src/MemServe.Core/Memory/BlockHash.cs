using System.Numerics;
using System.Runtime.InteropServices;

namespace MemServe.Memory;

/// <summary>
/// The 64-bit hashes the prefix cache uses: a block's tokens (the prompt tree's child key), the chain of
/// a whole prefix (a disk block file's name), and a checksum over bytes (a disk block file's integrity).
/// Not cryptographic: the tree still compares tokens, and the checksum guards against truncation and
/// corruption, not against an attacker.
/// </summary>
internal static class BlockHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    /// <summary>The chain hash of the empty prefix (the tree's root).</summary>
    public const ulong RootChain = 0x4D656D5365727665UL; // "MemServe"

    /// <summary>Hash of one block's token ids.</summary>
    public static ulong Tokens(ReadOnlySpan<int> tokens)
    {
        ulong h = Prime3 ^ (ulong)tokens.Length;
        for (int i = 0; i < tokens.Length; i++) h = Round(h, (ulong)(uint)tokens[i]);
        return Avalanche(h);
    }

    /// <summary>Hash of a prefix: its parent prefix's chain hash combined with the last block's hash.</summary>
    public static ulong Chain(ulong parentChain, ulong blockHash) => Avalanche(Round(parentChain * Prime1, blockHash));

    /// <summary>Checksum of <paramref name="data"/> (four independent lanes over 8-byte words, then the tail).</summary>
    public static ulong Checksum(ReadOnlySpan<byte> data, ulong seed)
    {
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        ulong a = seed + Prime1, b = seed + Prime2, c = seed, d = seed - Prime1;
        int i = 0;
        for (; i + 4 <= words.Length; i += 4)
        {
            a = Round(a, words[i]);
            b = Round(b, words[i + 1]);
            c = Round(c, words[i + 2]);
            d = Round(d, words[i + 3]);
        }
        ulong h = BitOperations.RotateLeft(a, 1) + BitOperations.RotateLeft(b, 7) +
                  BitOperations.RotateLeft(c, 12) + BitOperations.RotateLeft(d, 18);
        for (; i < words.Length; i++) h = Round(h, words[i]);
        for (int j = words.Length * 8; j < data.Length; j++) h = Round(h, data[j]);
        return Avalanche(h ^ (ulong)data.Length);
    }

    private static ulong Round(ulong acc, ulong input) => BitOperations.RotateLeft(acc + input * Prime2, 31) * Prime1;

    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        return h ^ (h >> 32);
    }
}
