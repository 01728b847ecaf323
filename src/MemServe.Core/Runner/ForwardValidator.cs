using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>Checks a Forward call against a runner's limits before any work; throws naming the limit at fault.</summary>
internal static class ForwardValidator
{
    /// <summary>Throws <see cref="ArgumentException"/> (shape, limits, KV geometry) or
    /// <see cref="InvalidRequestException"/> (token id outside the vocabulary).</summary>
    public static void Validate(IModelRunner runner, ForwardBatch batch, LayerRange layers, HiddenStates? hiddenIn)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ModelConfig c = runner.Config;
        if (layers.Count <= 0 || !runner.Layers.Contains(layers))
        {
            throw new ArgumentException($"Layer range {layers} is empty or outside the runner's layers {runner.Layers}.", nameof(layers));
        }
        if (batch.TokenCount > runner.MaxBatchTokens)
        {
            throw new ArgumentException($"Batch has {batch.TokenCount} new tokens; MaxBatchTokens is {runner.MaxBatchTokens}.", nameof(batch));
        }
        if (batch.SequenceCount > runner.MaxBatchSequences)
        {
            throw new ArgumentException($"Batch has {batch.SequenceCount} sequences; MaxBatchSequences is {runner.MaxBatchSequences}.", nameof(batch));
        }
        if (layers.Start > 0 && hiddenIn is null)
        {
            throw new ArgumentException($"Layer range {layers} does not start at 0, so hiddenIn is required.", nameof(hiddenIn));
        }
        if (layers.Start == 0 && hiddenIn is not null)
        {
            throw new ArgumentException($"Layer range {layers} starts at 0 (embedding), so hiddenIn must be null.", nameof(hiddenIn));
        }
        if (hiddenIn is not null && (hiddenIn.TokenCount != batch.TokenCount || hiddenIn.HiddenSize != c.HiddenSize))
        {
            throw new ArgumentException(
                $"hiddenIn is {hiddenIn.TokenCount} × {hiddenIn.HiddenSize}; the batch needs {batch.TokenCount} × {c.HiddenSize}.", nameof(hiddenIn));
        }
        KvCacheLayout kv = batch.KvCache.Layout;
        if (kv != runner.KvLayout)
        {
            throw new ArgumentException($"KV cache layout {kv} does not match the runner's {runner.KvLayout}.", nameof(batch));
        }
        if (layers.Start == 0) ValidateTokenIds(batch.TokenIds, c.VocabSize);
        foreach (ForwardSequence seq in batch.Sequences)
        {
            int needed = kv.BlocksFor(seq.TotalTokens);
            if (seq.BlockTable is null || seq.BlockTable.Length < needed)
            {
                throw new ArgumentException(
                    $"Sequence at token {seq.TokenStart} covers {seq.TotalTokens} tokens and needs {needed} blocks; its block table has {seq.BlockTable?.Length ?? 0}.", nameof(batch));
            }
            for (int b = 0; b < needed; b++)
            {
                if ((uint)seq.BlockTable[b] >= (uint)batch.KvCache.BlockCount)
                {
                    throw new ArgumentException(
                        $"Block id {seq.BlockTable[b]} (entry {b} of the sequence at token {seq.TokenStart}) is outside the KV storage's 0..{batch.KvCache.BlockCount - 1}.", nameof(batch));
                }
            }
        }
    }

    private static void ValidateTokenIds(ReadOnlySpan<int> ids, int vocab)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                throw new InvalidRequestException($"Token id {ids[i]} at batch index {i} is outside the vocabulary [0, {vocab}).");
            }
        }
    }
}
