namespace MemServe.Runner;

/// <summary>
/// The result of <see cref="IModelRunner.Forward"/>. Its buffers belong to the runner and are valid
/// until the runner's next Forward call; copy what must outlive that.
/// </summary>
public sealed class ForwardOutput
{
    private readonly Memory<float> _logits; // (sequence, vocab); rows of sequences without NeedsLogits are unspecified

    /// <summary>Creates an output; the runner owns both buffers.</summary>
    public ForwardOutput(HiddenStates? hidden, Memory<float> logits, int vocabSize)
    {
        Hidden = hidden;
        _logits = logits;
        VocabSize = vocabSize;
    }

    /// <summary>Hidden states after the range, when the range did not end at the last layer; otherwise null.</summary>
    public HiddenStates? Hidden { get; }

    /// <summary>Vocabulary size (row width of the logits).</summary>
    public int VocabSize { get; }

    /// <summary>True when the step ran the LM head.</summary>
    public bool HasLogits => !_logits.IsEmpty;

    /// <summary>Logits of the last new token of sequence <paramref name="sequenceIndex"/>
    /// (only for sequences with <see cref="ForwardSequence.NeedsLogits"/>).</summary>
    public Span<float> Logits(int sequenceIndex) => _logits.Span.Slice(sequenceIndex * VocabSize, VocabSize);

    /// <summary>(sequence, <see cref="PooledWidth"/>) pooled final hidden states; rows of sequences without
    /// <see cref="ForwardSequence.Pooling"/> are unspecified. Empty when the runner does not pool.</summary>
    public Memory<float> PooledStates { get; init; }

    /// <summary>Row width of <see cref="PooledStates"/> (the hidden size).</summary>
    public int PooledWidth { get; init; }

    /// <summary>The pooled final hidden state of sequence <paramref name="sequenceIndex"/> (only for sequences with
    /// <see cref="ForwardSequence.Pooling"/> other than none): see <see cref="HiddenPooling"/>.</summary>
    public Span<float> Pooled(int sequenceIndex) => PooledStates.Span.Slice(sequenceIndex * PooledWidth, PooledWidth);
}
