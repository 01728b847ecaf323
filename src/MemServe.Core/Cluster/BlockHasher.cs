using System.Numerics;

namespace MemServe.Cluster;

/// <summary>
/// Chained hashes of full token blocks: the hash of block i covers block i's tokens and the hash of
/// block i-1, so equal hashes mean equal whole prefixes (up to 64-bit collisions). Instances report
/// cache events with these hashes and the global prompt tree indexes them. Only full blocks are hashed
/// (a prompt's partial last block is never shared). Stateless and thread-safe; the function is fixed
/// (changing it breaks mixed-version clusters).
/// </summary>
public static class BlockHasher
{
    /// <summary>The parent of the first block.</summary>
    public const ulong Root = 0x9E3779B97F4A7C15UL;

    private const ulong Multiplier = 0xBF58476D1CE4E5B9UL;

    /// <summary>Hash of a block with <paramref name="tokens"/> whose parent block hashed to <paramref name="parent"/>.</summary>
    public static ulong Chain(ulong parent, ReadOnlySpan<int> tokens)
    {
        ulong h = parent ^ ((ulong)tokens.Length * 0x94D049BB133111EBUL);
        foreach (int token in tokens)
            h = BitOperations.RotateLeft((h ^ (uint)token) * Multiplier, 31);
        return Finish(h);
    }

    /// <summary>Writes the chained hash of every full block of <paramref name="tokens"/> into
    /// <paramref name="destination"/> and returns how many there were.</summary>
    public static int ChainAll(ReadOnlySpan<int> tokens, int blockTokens, Span<ulong> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockTokens, 1);
        int blocks = tokens.Length / blockTokens;
        if (destination.Length < blocks) throw new ArgumentException($"needs room for {blocks} hashes", nameof(destination));
        ulong parent = Root;
        for (int b = 0; b < blocks; b++)
        {
            parent = Chain(parent, tokens.Slice(b * blockTokens, blockTokens));
            destination[b] = parent;
        }
        return blocks;
    }

    /// <summary>The chained hashes of every full block of <paramref name="tokens"/>.</summary>
    public static ulong[] ChainAll(ReadOnlySpan<int> tokens, int blockTokens = Memory.KvCacheLayout.DefaultBlockTokens)
    {
        var hashes = new ulong[tokens.Length / blockTokens];
        ChainAll(tokens, blockTokens, hashes);
        return hashes;
    }

    private static ulong Finish(ulong h)
    {
        h ^= h >> 30;
        h *= Multiplier;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }
}
