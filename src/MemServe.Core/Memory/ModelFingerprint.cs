using System.Globalization;
using System.Text;
using MemServe.Model;

namespace MemServe.Memory;

/// <summary>
/// A 64-bit identity of "the KV this model computes", used to decide whether disk-tier blocks written
/// by an earlier process may be reused: a hash over every tensor's name, dtype, shape, byte length and
/// sampled bytes (the first, middle and last 64 bytes), plus the config fields that shape the KV
/// (layers, KV heads, head dim, hidden size, vocab, RoPE theta, RMS eps) and the cache layout (layer
/// range, block tokens; KV is stored as FP32). Cheap: it never reads whole tensors. Two checkpoints
/// that differ only in unsampled bytes collide; pass an explicit fingerprint for such cases.
/// </summary>
public static class ModelFingerprint
{
    private const int SampleBytes = 64;

    /// <summary>Computes the fingerprint; <paramref name="weights"/> may be null (then only config and layout count).</summary>
    public static ulong Compute(ModelConfig config, ITensorSource? weights, KvCacheLayout layout)
    {
        ArgumentNullException.ThrowIfNull(config);
        ulong h = BlockHash.RootChain;
        h = Mix(h, string.Create(CultureInfo.InvariantCulture, $"{config.ModelType}|{config.NumLayers}|{config.NumKvHeads}|{config.HeadDim}|{config.HiddenSize}|" +
                   $"{config.NumHeads}|{config.VocabSize}|{config.RopeTheta:R}|{config.RmsNormEps:R}|" +
                   $"{layout.FirstLayer}|{layout.LayerCount}|{layout.KvHeads}|{layout.HeadDim}|{layout.BlockTokens}|{(layout.ElementType == DType.BF16 ? "bf16" : "f32")}"));
        if (weights is null) return h;
        var names = new List<string>(weights.TensorNames);
        names.Sort(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (!weights.TryGetTensor(name, out TensorRef tensor)) continue;
            h = Mix(h, string.Create(CultureInfo.InvariantCulture, $"{name}|{tensor.DType}|{tensor.ShapeText}|{tensor.ByteLength}"));
            h = Sample(h, tensor, 0);
            h = Sample(h, tensor, tensor.ByteLength / 2);
            h = Sample(h, tensor, tensor.ByteLength - SampleBytes);
        }
        return h;
    }

    private static unsafe ulong Sample(ulong h, TensorRef tensor, long offset)
    {
        offset = Math.Clamp(offset, 0, Math.Max(0, tensor.ByteLength - SampleBytes));
        int length = (int)Math.Min(SampleBytes, tensor.ByteLength - offset);
        if (length <= 0) return h;
        return BlockHash.Chain(h, BlockHash.Checksum(new ReadOnlySpan<byte>((byte*)tensor.Pointer + offset, length), h));
    }

    private static ulong Mix(ulong h, string text) => BlockHash.Chain(h, BlockHash.Checksum(Encoding.UTF8.GetBytes(text), h));
}
