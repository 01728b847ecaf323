using MemServe.Memory;

namespace MemServe.Runner;

/// <summary>How a <see cref="CpuModelRunner"/> is sized and which layers it holds.</summary>
public sealed record CpuRunnerOptions
{
    /// <summary>Layers whose weights the runner binds; null means all layers, embedding and LM head included.
    /// The embedding is bound only when the range starts at 0, the final norm and head only when it ends at the last layer.</summary>
    public LayerRange? Layers { get; init; }

    /// <summary>Most new tokens one Forward call accepts; activation scratch is sized for it. Default 512.</summary>
    public int MaxBatchTokens { get; init; } = 512;

    /// <summary>Most sequences one Forward call accepts; logits scratch is MaxBatchSequences × vocab. Default 64.</summary>
    public int MaxBatchSequences { get; init; } = 64;

    /// <summary>Compute threads, the calling thread included; 0 (default) means <see cref="Environment.ProcessorCount"/>.</summary>
    public int Threads { get; init; }

    /// <summary>Budget charged with the bound weights (<see cref="MemoryCategory.Weights"/>) and the scratch
    /// (<see cref="MemoryCategory.Scratch"/>) for the runner's lifetime; null charges nothing.</summary>
    public MemoryBudget? Budget { get; init; }

    /// <summary>Quantize every weight matrix (F32/F16/BF16) to symmetric int8 blocks of 32 at load (<c>Q8_0</c>-like)
    /// and run int8 dot products; the runner then keeps its own int8 copy instead of the source's matrices (charged to
    /// the budget instead of them). With <see cref="PackWeights"/> (every CPU kernel path) the copy is packed into 16-row
    /// panels with F16 block scales (1.0625 bytes per weight, <see cref="Compute.Q8Panels"/>); otherwise row-major with
    /// FP32 scales (1.125). Default false.</summary>
    public bool QuantizeWeightsToQ8 { get; init; }

    /// <summary>Repack F32/F16/BF16 weight matrices at load into the runner's own copy in 32-row panels, column by column
    /// (the kernels then read each matrix as one sequential stream and multiply outer products, with no horizontal sums):
    /// faster prefill and decode, at the cost of a copy made at load that replaces the source's matrices (charged to the
    /// budget instead of them; the source is not read afterwards). Default true, on every CPU kernel path
    /// (<see cref="Compute.CpuKernels"/>). With <see cref="QuantizeWeightsToQ8"/> it packs the int8 copy instead.</summary>
    public bool PackWeights { get; init; } = true;

    /// <summary>Tokens per KV block of the cache the runner reads and writes. Default <see cref="KvCacheLayout.DefaultBlockTokens"/>.</summary>
    public int BlockTokens { get; init; } = KvCacheLayout.DefaultBlockTokens;

    /// <summary>Element type of the KV cache: <see cref="Model.DType.F32"/> (default) or <see cref="Model.DType.BF16"/>
    /// (half the memory and half the attention's reads; keys and values rounded to 8 mantissa bits when written).</summary>
    public Model.DType KvCacheDType { get; init; } = Model.DType.F32;
}
