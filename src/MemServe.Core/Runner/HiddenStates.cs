namespace MemServe.Runner;

/// <summary>
/// Residual-stream activations of a batch between layer ranges (pipeline stages): a row of
/// <see cref="HiddenSize"/> floats per new token, in <see cref="ForwardBatch.TokenIds"/> order.
/// The memory belongs to whoever created it; a runner's own output is valid until its next Forward.
/// </summary>
public sealed class HiddenStates
{
    /// <summary>Wraps <paramref name="data"/> (at least tokenCount × hiddenSize floats).</summary>
    public HiddenStates(Memory<float> data, int tokenCount, int hiddenSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(data.Length, tokenCount * hiddenSize);
        Data = data;
        TokenCount = tokenCount;
        HiddenSize = hiddenSize;
    }

    /// <summary>The activations, (token, hidden).</summary>
    public Memory<float> Data { get; }

    /// <summary>Rows.</summary>
    public int TokenCount { get; }

    /// <summary>Row width.</summary>
    public int HiddenSize { get; }

    /// <summary>One token's row.</summary>
    public Span<float> Row(int token) => Data.Span.Slice(token * HiddenSize, HiddenSize);
}
