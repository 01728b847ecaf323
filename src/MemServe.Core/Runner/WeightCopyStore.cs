using MemServe.Compute;
using MemServe.Memory;

namespace MemServe.Runner;

/// <summary>What the runner's own copy of its weight matrices holds.</summary>
internal enum WeightCopy
{
    /// <summary>No copy: the matrices stay zero-copy in the tensor source, row-major.</summary>
    None,
    /// <summary>Packed panels (<see cref="PanelLayout"/>) in the stored dtype: the layout the kernels read fastest.</summary>
    Packed,
    /// <summary>Int8 blocks with FP32 scales, row-major (<see cref="CpuRunnerOptions.QuantizeWeightsToQ8"/> without packing).</summary>
    Q8,
    /// <summary>Int8 blocks with F16 scales in 16-row panels (<see cref="Q8Panels"/>), with packing on a CPU with AVX-VNNI.</summary>
    PackedQ8,
}

/// <summary>
/// The runner's own copy of its weight matrices (<see cref="WeightCopy.Packed"/>, <see cref="WeightCopy.Q8"/> or
/// <see cref="WeightCopy.PackedQ8"/>): one
/// native allocation, charged to the budget as <see cref="MemoryCategory.Weights"/>, holding every distinct matrix
/// (a tied head counted once) converted on first request. Once built, the runner reads no matrix from the tensor source
/// any more, so the source's pages are cold and a caller that owns an in-memory source may free it. Read-only after
/// construction; disposed by <see cref="LlamaWeights"/>.
/// </summary>
internal sealed unsafe class WeightCopyStore : IDisposable
{
    private readonly NativeBuffer<byte> _buffer;
    private readonly Dictionary<nint, WeightMatrix> _done = [];
    private readonly WeightCopy _kind;
    private long _used;

    /// <summary>Allocates room for the <paramref name="kind"/> copies of <paramref name="matrices"/>.</summary>
    public WeightCopyStore(IReadOnlyList<WeightMatrix> matrices, WeightCopy kind, MemoryBudget? budget, string what)
    {
        if (kind == WeightCopy.None) throw new ArgumentOutOfRangeException(nameof(kind), kind, "a store holds a copy");
        _kind = kind;
        var seen = new HashSet<nint>();
        long bytes = 0;
        foreach (WeightMatrix m in matrices)
        {
            if (seen.Add((nint)m.Data)) bytes += BytesFor(m);
        }
        string copy = kind switch { WeightCopy.Q8 => "int8", WeightCopy.PackedQ8 => "packed int8", _ => "packed" };
        _buffer = new NativeBuffer<byte>(Math.Max(1, bytes), budget, MemoryCategory.Weights, $"{copy} weights of {what}");
    }

    /// <summary>Bytes of the copy (Q8: data and scales).</summary>
    public long ByteLength => _buffer.ByteLength;

    /// <summary>The copy of <paramref name="source"/>, made on first request.</summary>
    public WeightMatrix Copy(in WeightMatrix source)
    {
        if (_done.TryGetValue((nint)source.Data, out WeightMatrix copy)) return copy;
        long bytes = BytesFor(source);
        if (_used + bytes > _buffer.ByteLength) throw new InvalidOperationException("Weight copy store is full: a matrix was not announced at construction.");
        byte* destination = _buffer.Pointer + _used;
        copy = _kind switch
        {
            WeightCopy.Q8 => Q8Quantizer.Quantize(source, destination),
            WeightCopy.PackedQ8 => Q8Panels.Quantize(source, destination),
            _ => Pack(source, destination),
        };
        _used += bytes;
        _done.Add((nint)source.Data, copy);
        return copy;
    }

    private long BytesFor(in WeightMatrix m) => _kind switch
    {
        WeightCopy.Q8 => Q8Quantizer.BytesFor(m.Rows, m.Cols),
        WeightCopy.PackedQ8 => (Q8Panels.BytesFor(m.Rows, m.Cols) + 63) & ~63L,
        _ => (PanelLayout.PackedBytes(m.Rows, m.Cols, m.ElementBytes) + 63) & ~63L,
    };

    /// <summary>Packs a row-major F32/F16/BF16 matrix, panels spread over the .NET thread pool (load time only).</summary>
    private static WeightMatrix Pack(WeightMatrix source, byte* destination)
    {
        if (source.Packed || source.Format == WeightFormat.Q8) throw new ArgumentException("only row-major F32/F16/BF16 matrices are packed", nameof(source));
        int panels = PanelLayout.PanelsFor(source.Rows);
        const int ChunkPanels = 8;
        Parallel.For(0, (panels + ChunkPanels - 1) / ChunkPanels, chunk =>
            PanelLayout.Pack(source.Data, source.Rows, source.Cols, source.ElementBytes, destination,
                chunk * ChunkPanels, Math.Min(panels, (chunk + 1) * ChunkPanels)));
        return new WeightMatrix(destination, source.Format, source.Rows, source.Cols, null, packed: true);
    }

    /// <summary>Frees the copy and releases its budget charge.</summary>
    public void Dispose() => _buffer.Dispose();
}
