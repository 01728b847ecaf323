using MemServe.Memory;

namespace MemServe.Model;

/// <summary>
/// Tensors held in native memory, built in code: the embedded default model, tests, random-weight
/// benchmarks. Add every tensor before sharing the source; reads are then thread-safe.
/// </summary>
public sealed unsafe class InMemoryTensorSource : ITensorSource
{
    private readonly Dictionary<string, (TensorRef Ref, NativeBuffer<byte> Buffer)> _tensors = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <inheritdoc />
    public long TotalBytes { get; private set; }

    /// <summary>Allocates a zeroed tensor and returns its bytes for the caller to fill.</summary>
    public Span<byte> Add(string name, DType dtype, params long[] shape)
    {
        long elements = 1;
        foreach (long d in shape) elements *= d;
        long bytes = elements * dtype.SizeInBytes();
        var buffer = new NativeBuffer<byte>(bytes, budget: null, MemoryCategory.Weights, name);
        var tensorRef = new TensorRef(name, dtype, shape, (nint)buffer.Pointer, bytes);
        if (!_tensors.TryAdd(name, (tensorRef, buffer)))
        {
            buffer.Dispose();
            throw new ArgumentException($"tensor '{name}' was added twice", nameof(name));
        }
        TotalBytes += bytes;
        return buffer.Span;
    }

    /// <summary>Adds an F32 tensor copied from <paramref name="values"/>.</summary>
    public void AddF32(string name, ReadOnlySpan<float> values, params long[] shape)
    {
        Span<byte> bytes = Add(name, DType.F32, shape);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(bytes);
    }

    /// <inheritdoc />
    public bool TryGetTensor(string name, out TensorRef tensor)
    {
        if (_tensors.TryGetValue(name, out var entry))
        {
            tensor = entry.Ref;
            return true;
        }
        tensor = default;
        return false;
    }

    /// <summary>Frees every tensor.</summary>
    public void Dispose()
    {
        foreach (var entry in _tensors.Values) entry.Buffer.Dispose();
        _tensors.Clear();
        TotalBytes = 0;
    }
}
