namespace MemServe.Workload.Generators;

/// <summary>
/// Deterministic prompt tokens inside a model's vocabulary. Random runs come from a seeded
/// <see cref="Random"/>; <see cref="ForBlock"/> maps an id (a trace hash id) to a fixed run, so equal ids
/// always give equal tokens and equal id prefixes give equal token prefixes. Not thread-safe.
/// </summary>
internal sealed class TokenSource
{
    /// <summary>Ids below this are left out: the default tokenizer keeps its special and byte tokens there.</summary>
    public const int DefaultFirstTokenId = 300;

    private readonly Random _random;
    private readonly int _first;
    private readonly int _vocabSize;

    /// <summary>Tokens drawn from [<paramref name="firstTokenId"/>, <paramref name="vocabSize"/>) by a
    /// generator seeded with <paramref name="seed"/>.</summary>
    public TokenSource(int seed, int vocabSize, int firstTokenId = DefaultFirstTokenId)
    {
        if (vocabSize <= firstTokenId + 1)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"vocabulary must be larger than {firstTokenId + 1}");
        _random = new Random(seed);
        _first = firstTokenId;
        _vocabSize = vocabSize;
    }

    /// <summary>The next <paramref name="count"/> random tokens.</summary>
    public int[] Next(int count)
    {
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = _random.Next(_first, _vocabSize);
        return tokens;
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Between(int min, int max) => _random.Next(min, max + 1);

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => _random.NextDouble();

    /// <summary>
    /// Writes the fixed run of tokens for <paramref name="id"/> into <paramref name="destination"/>: token i
    /// is a hash of (id, i) folded into [<paramref name="firstTokenId"/>, <paramref name="vocabSize"/>).
    /// Independent of any seed, so two workloads (or two programs) map an id alike.
    /// </summary>
    public static void ForBlock(long id, Span<int> destination, int vocabSize, int firstTokenId = DefaultFirstTokenId)
    {
        uint range = (uint)(vocabSize - firstTokenId);
        for (int i = 0; i < destination.Length; i++)
        {
            ulong h = Mix(unchecked(((ulong)id << 20) ^ (ulong)i ^ 0x9E3779B97F4A7C15UL));
            destination[i] = firstTokenId + (int)(h % range);
        }
    }

    // SplitMix64 finalizer: a bijective scramble of 64 bits.
    private static ulong Mix(ulong x)
    {
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return x ^ (x >> 31);
    }
}
