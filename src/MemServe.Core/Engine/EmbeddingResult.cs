namespace MemServe.Engine;

/// <summary>The vectors of an <see cref="EmbeddingRequest"/>, one per input in input order, and what they cost.</summary>
/// <param name="Embeddings">One vector per input, each <see cref="EmbeddingRequest.Dimensions"/> (or hidden size)
/// floats; the arrays belong to the caller.</param>
/// <param name="PromptTokens">Tokens over all inputs.</param>
public sealed record EmbeddingResult(IReadOnlyList<float[]> Embeddings, int PromptTokens)
{
    /// <summary>Components per vector.</summary>
    public int Dimensions => Embeddings.Count == 0 ? 0 : Embeddings[0].Length;
}
