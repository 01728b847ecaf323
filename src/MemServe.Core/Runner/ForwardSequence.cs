namespace MemServe.Runner;

/// <summary>
/// One sequence's part of a <see cref="ForwardBatch"/>: which new tokens it contributes, how much of
/// its context is already in the KV cache, and where its blocks are.
/// </summary>
/// <param name="TokenStart">Index in <see cref="ForwardBatch.TokenIds"/> of this sequence's first new token.</param>
/// <param name="NewTokens">Tokens computed this step (a prefill chunk, or 1 for decode).</param>
/// <param name="CachedTokens">Tokens of this sequence already in the KV cache; the first new token sits at this position.</param>
/// <param name="BlockTable">Physical KV block ids covering positions [0, CachedTokens + NewTokens); the array may be longer.</param>
/// <param name="NeedsLogits">Whether the step must produce logits for the last new token.</param>
public readonly record struct ForwardSequence(int TokenStart, int NewTokens, int CachedTokens, int[] BlockTable, bool NeedsLogits)
{
    /// <summary>Context length after this step.</summary>
    public int TotalTokens => CachedTokens + NewTokens;

    /// <summary>What the step copies out of this sequence's final hidden states (embeddings). Default none.</summary>
    public HiddenPooling Pooling { get; init; }
}
