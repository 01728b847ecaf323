using System.Numerics.Tensors;

namespace MemServe.Engine;

/// <summary>Turns a raw pool into the vector the caller gets: mean division, Matryoshka truncation, L2
/// normalisation, in that order. Stateless; runs on the caller's thread.</summary>
internal static class EmbeddingVectors
{
    /// <summary>The finished vector (a fresh array when truncated, else <paramref name="raw"/> itself, changed in place).</summary>
    public static float[] Finish(float[] raw, EmbeddingPooling pooling, int tokens, int? dimensions, bool normalize)
    {
        if (pooling == EmbeddingPooling.Mean) TensorPrimitives.Divide(raw, tokens, raw);
        float[] vector = dimensions is { } d && d < raw.Length ? raw[..d] : raw;
        if (normalize)
        {
            float norm = TensorPrimitives.Norm(vector);
            if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
        }
        return vector;
    }
}
