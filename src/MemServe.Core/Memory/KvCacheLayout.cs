using MemServe.Model;

namespace MemServe.Memory;

/// <summary>
/// Geometry of one KV block (ARCHITECTURE §5): <c>[layer in range][K|V][kv head][token in block][head dim]</c>,
/// one contiguous run of <see cref="BlockBytes"/> per block, so a block is copied or sent in one call. Elements are
/// FP32, or BF16 with <see cref="ElementType"/> = <see cref="DType.BF16"/> (half the bytes: twice the tokens per
/// byte of cache, and half the attention's reads). Sizes named "Floats" count 4-byte units, which for an FP32
/// cache are the elements; <see cref="Offset"/> counts elements.
/// </summary>
/// <param name="FirstLayer">First model layer the blocks hold.</param>
/// <param name="LayerCount">Number of consecutive layers held.</param>
/// <param name="KvHeads">Key/value heads per layer.</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="BlockTokens">Tokens per block (16 by default).</param>
/// <param name="ElementType"><see cref="DType.F32"/> (default) or <see cref="DType.BF16"/>.</param>
public readonly record struct KvCacheLayout(int FirstLayer, int LayerCount, int KvHeads, int HeadDim, int BlockTokens,
    DType ElementType = DType.F32)
{
    /// <summary>Default tokens per block.</summary>
    public const int DefaultBlockTokens = 16;

    /// <summary>Bytes of one element: 4 (FP32) or 2 (BF16).</summary>
    public int ElementBytes => ElementType == DType.BF16 ? 2 : 4;

    /// <summary>Elements in one (layer, K-or-V) plane: kvHeads × blockTokens × headDim.</summary>
    public int PlaneElements => KvHeads * BlockTokens * HeadDim;

    /// <summary>4-byte units in one (layer, K-or-V) plane (its elements for an FP32 cache).</summary>
    public int PlaneFloats => PlaneElements * ElementBytes / sizeof(float);

    /// <summary>4-byte units in a whole block (its elements for an FP32 cache).</summary>
    public long BlockFloats => (long)LayerCount * 2 * PlaneFloats;

    /// <summary>Bytes in a whole block.</summary>
    public long BlockBytes => BlockFloats * sizeof(float);

    /// <summary>Offset (elements, from the block start) of the head vector of <paramref name="token"/> for
    /// <paramref name="layer"/> (an absolute model layer), K when <paramref name="value"/> is false.</summary>
    public long Offset(int layer, bool value, int head, int token)
    {
        int l = layer - FirstLayer;
        return (((long)(l * 2 + (value ? 1 : 0)) * KvHeads + head) * BlockTokens + token) * HeadDim;
    }

    /// <summary>Blocks needed for <paramref name="tokens"/> tokens.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockTokens - 1) / BlockTokens;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="elementType"/> can hold a KV cache of
    /// head width <paramref name="headDim"/>: F32, or BF16 with an even head width (planes stay whole 4-byte units).</summary>
    public static void ValidateElementType(DType elementType, int headDim, string paramName)
    {
        if (elementType is not (DType.F32 or DType.BF16))
            throw new ArgumentException($"KV cache element type {elementType} is not supported: use F32 or BF16.", paramName);
        if (elementType == DType.BF16 && headDim % 2 != 0)
            throw new ArgumentException($"A BF16 KV cache needs an even head_dim; this model has {headDim}.", paramName);
    }
}
