using MemServe.Compute;

namespace MemServe.Runner;

/// <summary>
/// One decoder layer's bound weights: matrices borrowed zero-copy from the tensor source in their stored
/// dtype, small vectors (norms, biases) as FP32 copies owned by <see cref="LlamaWeights"/>.
/// Null vector pointers mean "absent" (no bias, no q/k norm).
/// </summary>
internal readonly unsafe struct LayerWeights
{
    public WeightMatrix Q { get; init; }        // [heads * headDim, hidden]
    public WeightMatrix K { get; init; }        // [kvHeads * headDim, hidden]
    public WeightMatrix V { get; init; }        // [kvHeads * headDim, hidden]
    public WeightMatrix O { get; init; }        // [hidden, heads * headDim]
    public WeightMatrix Gate { get; init; }     // [ffn, hidden]
    public WeightMatrix Up { get; init; }       // [ffn, hidden]
    public WeightMatrix Down { get; init; }     // [hidden, ffn]
    public float* QBias { get; init; }          // (heads * headDim) or null
    public float* KBias { get; init; }          // (kvHeads * headDim) or null
    public float* VBias { get; init; }          // (kvHeads * headDim) or null
    public float* QNorm { get; init; }          // (headDim) or null
    public float* KNorm { get; init; }          // (headDim) or null
    public float* InputNorm { get; init; }      // (hidden)
    public float* PostAttentionNorm { get; init; } // (hidden)
}
