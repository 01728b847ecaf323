namespace MemServe.Memory;

/// <summary>
/// Geometry of one KV block (ARCHITECTURE §5): <c>[layer in range][K|V][kv head][token in block][head dim]</c>,
/// FP32, one contiguous run of <see cref="BlockFloats"/> floats per block, so a block is copied or sent in one call.
/// </summary>
/// <param name="FirstLayer">First model layer the blocks hold.</param>
/// <param name="LayerCount">Number of consecutive layers held.</param>
/// <param name="KvHeads">Key/value heads per layer.</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="BlockTokens">Tokens per block (16 by default).</param>
public readonly record struct KvCacheLayout(int FirstLayer, int LayerCount, int KvHeads, int HeadDim, int BlockTokens)
{
    /// <summary>Default tokens per block.</summary>
    public const int DefaultBlockTokens = 16;

    /// <summary>Floats in one (layer, K-or-V) plane: kvHeads × blockTokens × headDim.</summary>
    public int PlaneFloats => KvHeads * BlockTokens * HeadDim;

    /// <summary>Floats in a whole block.</summary>
    public long BlockFloats => (long)LayerCount * 2 * PlaneFloats;

    /// <summary>Bytes in a whole block.</summary>
    public long BlockBytes => BlockFloats * sizeof(float);

    /// <summary>Offset (floats, from the block start) of the head vector of <paramref name="token"/> for
    /// <paramref name="layer"/> (an absolute model layer), K when <paramref name="value"/> is false.</summary>
    public long Offset(int layer, bool value, int head, int token)
    {
        int l = layer - FirstLayer;
        return (((long)(l * 2 + (value ? 1 : 0)) * KvHeads + head) * BlockTokens + token) * HeadDim;
    }

    /// <summary>Blocks needed for <paramref name="tokens"/> tokens.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockTokens - 1) / BlockTokens;
}
