using MemServe.Memory;
using MemServe.Runner;

namespace MemServe.Engine;

/// <summary>
/// One engine step: the reused <see cref="ForwardBatch"/> plus, at the same index, the sequence each of
/// its entries belongs to. Cleared and refilled by the scheduler every step; engine thread only.
/// </summary>
internal sealed class StepBatch
{
    private Sequence?[] _sequences; // (Count)

    public StepBatch(KvBlockStorage storage, int tokenCapacity, int sequenceCapacity)
    {
        Forward = new ForwardBatch(storage, tokenCapacity, sequenceCapacity);
        _sequences = new Sequence?[Math.Max(1, sequenceCapacity)];
    }

    /// <summary>What the runner gets.</summary>
    public ForwardBatch Forward { get; }

    /// <summary>Sequences in the step.</summary>
    public int Count => Forward.SequenceCount;

    /// <summary>The sequence of entry <paramref name="index"/>.</summary>
    public Sequence this[int index] => _sequences[index]!;

    /// <summary>Empties the step.</summary>
    public void Clear()
    {
        Array.Clear(_sequences, 0, Count);
        Forward.Clear();
    }

    /// <summary>Adds the next <paramref name="newTokens"/> uncomputed tokens of <paramref name="sequence"/>;
    /// logits are requested when they reach the end of its context (an embedding input asks for pooled hidden
    /// states instead).</summary>
    public void Add(Sequence sequence, int newTokens)
    {
        int start = sequence.ComputedTokens;
        bool final = start + newTokens == sequence.Count;
        EmbeddingJob? embedding = sequence.Embedding;
        int index = Forward.Add(sequence.Tokens.Slice(start, newTokens), start, sequence.Blocks.Array,
            needsLogits: final && embedding is null, embedding?.RunnerPooling(final) ?? HiddenPooling.None);
        if (index == _sequences.Length) Array.Resize(ref _sequences, _sequences.Length * 2);
        _sequences[index] = sequence;
    }
}
