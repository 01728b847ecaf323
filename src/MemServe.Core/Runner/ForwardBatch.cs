using MemServe.Memory;

namespace MemServe.Runner;

/// <summary>
/// Everything one forward step needs, explicitly (no global context): the new tokens of every
/// sequence laid end to end, their positions, each sequence's block table, and the KV arena.
/// Reusable: the engine clears and refills one instance per step, so building a batch does not
/// allocate once capacity is reached. Not thread-safe.
/// </summary>
public sealed class ForwardBatch
{
    private int[] _tokenIds;    // (TokenCount)
    private int[] _positions;   // (TokenCount)
    private ForwardSequence[] _sequences; // (SequenceCount)

    /// <summary>Creates an empty batch over <paramref name="kvCache"/>.</summary>
    public ForwardBatch(KvBlockStorage kvCache, int tokenCapacity = 256, int sequenceCapacity = 16)
    {
        KvCache = kvCache;
        _tokenIds = new int[Math.Max(1, tokenCapacity)];
        _positions = new int[Math.Max(1, tokenCapacity)];
        _sequences = new ForwardSequence[Math.Max(1, sequenceCapacity)];
    }

    /// <summary>The arena that the block tables index.</summary>
    public KvBlockStorage KvCache { get; set; }

    /// <summary>New tokens in the batch, over all sequences.</summary>
    public int TokenCount { get; private set; }

    /// <summary>Sequences in the batch.</summary>
    public int SequenceCount { get; private set; }

    /// <summary>New token ids, sequence after sequence.</summary>
    public ReadOnlySpan<int> TokenIds => _tokenIds.AsSpan(0, TokenCount);

    /// <summary>Absolute position of each new token.</summary>
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, TokenCount);

    /// <summary>Per-sequence descriptors.</summary>
    public ReadOnlySpan<ForwardSequence> Sequences => _sequences.AsSpan(0, SequenceCount);

    /// <summary>Empties the batch, keeping capacity.</summary>
    public void Clear()
    {
        TokenCount = 0;
        SequenceCount = 0;
    }

    /// <summary>Appends a sequence whose tokens <paramref name="newTokens"/> start at position
    /// <paramref name="cachedTokens"/>. Returns its index in <see cref="Sequences"/>. <paramref name="pooling"/> asks for
    /// its final hidden states (<see cref="ForwardOutput.Pooled"/>).</summary>
    public int Add(ReadOnlySpan<int> newTokens, int cachedTokens, int[] blockTable, bool needsLogits,
        HiddenPooling pooling = HiddenPooling.None)
    {
        ArgumentOutOfRangeException.ThrowIfZero(newTokens.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(cachedTokens);
        int needed = TokenCount + newTokens.Length;
        if (needed > _tokenIds.Length)
        {
            int capacity = Math.Max(needed, _tokenIds.Length * 2);
            Array.Resize(ref _tokenIds, capacity);
            Array.Resize(ref _positions, capacity);
        }
        if (SequenceCount == _sequences.Length) Array.Resize(ref _sequences, _sequences.Length * 2);

        newTokens.CopyTo(_tokenIds.AsSpan(TokenCount));
        for (int i = 0; i < newTokens.Length; i++) _positions[TokenCount + i] = cachedTokens + i;
        _sequences[SequenceCount] = new ForwardSequence(TokenCount, newTokens.Length, cachedTokens, blockTable, needsLogits)
        {
            Pooling = pooling,
        };
        TokenCount = needed;
        return SequenceCount++;
    }
}
