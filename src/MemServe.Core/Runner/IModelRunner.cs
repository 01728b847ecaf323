using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// Executes a range of decoder layers for a batch of sequences over a paged KV cache. Whole-model
/// execution is the range [0, NumLayers): embedding runs when the range starts at 0, the final norm
/// and LM head when it ends at NumLayers. Not thread-safe: one engine thread calls it.
/// </summary>
public interface IModelRunner : IDisposable
{
    /// <summary>The architecture.</summary>
    ModelConfig Config { get; }

    /// <summary>Layers whose weights this runner holds.</summary>
    LayerRange Layers { get; }

    /// <summary>Most new tokens one Forward call accepts (scratch is sized for it).</summary>
    int MaxBatchTokens { get; }

    /// <summary>Most sequences one Forward call accepts.</summary>
    int MaxBatchSequences { get; }

    /// <summary>Block geometry the runner reads and writes (its <see cref="Layers"/>).</summary>
    KvCacheLayout KvLayout { get; }

    /// <summary>
    /// Runs <paramref name="layers"/> (inside <see cref="Layers"/>) for every new token in
    /// <paramref name="batch"/>: writes the new tokens' K and V into their blocks, attends over
    /// positions [0, CachedTokens + NewTokens) of each sequence, and returns hidden states (range not
    /// ending at the last layer) or logits for sequences that need them (range ending at the last layer), and the
    /// pooled final-norm hidden states of sequences with <see cref="ForwardSequence.Pooling"/> (embeddings; range ending
    /// at the last layer, <see cref="ForwardOutput.Pooled"/>).
    /// <paramref name="hiddenIn"/> is required exactly when the range does not start at layer 0.
    /// </summary>
    ForwardOutput Forward(ForwardBatch batch, LayerRange layers, HiddenStates? hiddenIn = null);
}
