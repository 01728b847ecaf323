using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

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
    /// <summary>Int8 blocks with F16 scales in 16-row panels (<see cref="Q8Panels"/>), with packing (every CPU kernel path).</summary>
    PackedQ8,
}

/// <summary>
/// The process's packed and int8 copies of weight matrices, shared by every runner over the same tensor source: the
/// runners of an in-process cluster (or of several engines over one checkpoint) hold one copy of each matrix between
/// them, as they shared the mapped matrices before packing. A copy is made by the first runner that asks (packing or
/// quantizing on the .NET thread pool; for a mapped source the original's pages are then dropped) and freed when the last
/// one releases it. Keys are the source object (by reference), the matrix's address in it and the kind of copy, so a
/// disposed source whose memory is reused never matches. Copies are not charged to any budget here: each runner charges
/// its own budget for the copies it uses. Thread-safe; a copy is made under the lock.
/// </summary>
internal static unsafe class WeightCopies
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<Key, Entry> s_entries = [];

    /// <summary>The <paramref name="kind"/> copy of <paramref name="original"/> (a row-major F32/F16/BF16 matrix of
    /// <paramref name="source"/>), made now or shared; every call must be paired with <see cref="Release"/>.</summary>
    public static WeightMatrix Acquire(ITensorSource source, in WeightMatrix original, WeightCopy kind)
    {
        if (kind == WeightCopy.None) throw new ArgumentOutOfRangeException(nameof(kind), kind, "a copy is packed or quantized");
        var key = new Key(source, (nint)original.Data, kind);
        lock (s_lock)
        {
            if (s_entries.TryGetValue(key, out Entry? entry))
            {
                entry.Refs++;
                return entry.Copy;
            }
            var buffer = new NativeBuffer<byte>(Math.Max(1, BytesFor(original, kind)), null, MemoryCategory.Weights, Describe(kind));
            try
            {
                WeightMatrix copy = kind switch
                {
                    WeightCopy.Q8 => Q8Quantizer.Quantize(original, buffer.Pointer),
                    WeightCopy.PackedQ8 => Q8Panels.Quantize(original, buffer.Pointer),
                    _ => Pack(original, buffer.Pointer),
                };
                if (source is IMappedTensorSource) MappedPages.Release(original.Data, original.DataBytes);
                s_entries.Add(key, new Entry(buffer, copy));
                return copy;
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }
    }

    /// <summary>Releases one <see cref="Acquire"/> of the copy of the matrix at <paramref name="originalData"/>; the last
    /// release frees the copy.</summary>
    public static void Release(ITensorSource source, nint originalData, WeightCopy kind)
    {
        var key = new Key(source, originalData, kind);
        lock (s_lock)
        {
            if (!s_entries.TryGetValue(key, out Entry? entry)) throw new InvalidOperationException("Released a weight copy that was not acquired.");
            if (--entry.Refs > 0) return;
            s_entries.Remove(key);
            entry.Buffer.Dispose();
        }
    }

    /// <summary>Bytes of the <paramref name="kind"/> copy of <paramref name="m"/> (what a runner charges its budget).</summary>
    public static long BytesFor(in WeightMatrix m, WeightCopy kind) => kind switch
    {
        WeightCopy.Q8 => Q8Quantizer.BytesFor(m.Rows, m.Cols),
        WeightCopy.PackedQ8 => Q8Panels.BytesFor(m.Rows, m.Cols),
        _ => PanelLayout.PackedBytes(m.Rows, m.Cols, m.ElementBytes),
    };

    private static string Describe(WeightCopy kind) =>
        kind switch { WeightCopy.Q8 => "int8 weights", WeightCopy.PackedQ8 => "packed int8 weights", _ => "packed weights" };

    /// <summary>Packs a row-major F32/F16/BF16 matrix, panels spread over the .NET thread pool (load time only).</summary>
    private static WeightMatrix Pack(WeightMatrix source, byte* destination)
    {
        if (source.Packed || source.Format == WeightFormat.Q8) throw new ArgumentException("only row-major F32/F16/BF16 matrices are packed", nameof(source));
        int panels = PanelLayout.PanelsFor(source.Rows);
        const int ChunkPanels = 8;
        Parallel.For(0, (panels + ChunkPanels - 1) / ChunkPanels, chunk =>
            PanelLayout.Pack(source.Data, source.Rows, source.Cols, source.ElementBytes, destination,
                chunk * ChunkPanels, Math.Min(panels, (chunk + 1) * ChunkPanels)));
        return source.PackedAt(destination);
    }

    /// <summary>A source by reference, a matrix address in it, a kind of copy.</summary>
    private readonly struct Key(ITensorSource source, nint data, WeightCopy kind) : IEquatable<Key>
    {
        private readonly ITensorSource _source = source;
        private readonly nint _data = data;
        private readonly WeightCopy _kind = kind;

        public bool Equals(Key other) => ReferenceEquals(_source, other._source) && _data == other._data && _kind == other._kind;

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_source), _data, _kind);
    }

    private sealed class Entry(NativeBuffer<byte> buffer, WeightMatrix copy)
    {
        public NativeBuffer<byte> Buffer { get; } = buffer;
        public WeightMatrix Copy { get; } = copy;
        public int Refs { get; set; } = 1;
    }
}
