using MemServe.Compute;
using MemServe.Memory;

namespace MemServe.Runner;

/// <summary>
/// The runner's int8 copy of its weight matrices (<see cref="CpuRunnerOptions.QuantizeWeightsToQ8"/>): one
/// native allocation, charged to the budget as <see cref="MemoryCategory.Weights"/>, holding every distinct
/// matrix quantized to <see cref="WeightFormat.Q8"/>. Once built, the runner reads no matrix from the tensor
/// source any more (the embedding is dequantized row by row), so the source's pages are cold and a caller that
/// owns an in-memory source may free it. Read-only after construction; disposed by <see cref="LlamaWeights"/>.
/// </summary>
internal sealed unsafe class Q8WeightStore : IDisposable
{
    private readonly NativeBuffer<byte> _buffer;
    private readonly Dictionary<nint, WeightMatrix> _done = [];
    private long _used;

    /// <summary>Allocates room for <paramref name="matrices"/> (duplicates, e.g. a tied head, counted once).</summary>
    public Q8WeightStore(IReadOnlyList<WeightMatrix> matrices, MemoryBudget? budget, string what)
    {
        var seen = new HashSet<nint>();
        long bytes = 0;
        foreach (WeightMatrix m in matrices)
        {
            if (seen.Add((nint)m.Data)) bytes += Q8Quantizer.BytesFor(m.Rows, m.Cols);
        }
        _buffer = new NativeBuffer<byte>(Math.Max(1, bytes), budget, MemoryCategory.Weights, $"int8 weights of {what}");
    }

    /// <summary>Bytes of the int8 copy (data and scales).</summary>
    public long ByteLength => _buffer.ByteLength;

    /// <summary>The Q8 copy of <paramref name="source"/>, quantized on first request.</summary>
    public WeightMatrix Quantize(in WeightMatrix source)
    {
        if (_done.TryGetValue((nint)source.Data, out WeightMatrix q)) return q;
        long bytes = Q8Quantizer.BytesFor(source.Rows, source.Cols);
        if (_used + bytes > _buffer.ByteLength) throw new InvalidOperationException("Q8 store is full: a matrix was not announced at construction.");
        q = Q8Quantizer.Quantize(source, _buffer.Pointer + _used);
        _used += bytes;
        _done.Add((nint)source.Data, q);
        return q;
    }

    /// <summary>Frees the int8 copy and releases its budget charge.</summary>
    public void Dispose() => _buffer.Dispose();
}
