using System.Text;

namespace MemServe.Anchor.Gguf;

/// <summary>
/// Writes a GGUF v3 file: header (magic, version, tensor count, metadata count), metadata key/values, tensor
/// infos (name, dims innermost first, ggml type, offset into the data section), padding to
/// <see cref="Alignment"/>, then each tensor's data padded to <see cref="Alignment"/>. Metadata and tensor
/// descriptions are collected first; <see cref="WriteTo"/> streams the tensor data, so a tensor never has to be
/// held in memory whole. Not thread-safe.
/// </summary>
internal sealed class GgufWriter
{
    /// <summary>The GGUF default (and what this writer declares in <c>general.alignment</c>).</summary>
    public const int Alignment = 32;
    public const uint Magic = 0x4655_4747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;

    private readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    private readonly List<GgufTensor> _tensors = [];

    public void Add(string key, uint value) => _metadata.Add((key, GgufValueType.UInt32, value));
    public void Add(string key, int value) => _metadata.Add((key, GgufValueType.Int32, value));
    public void Add(string key, float value) => _metadata.Add((key, GgufValueType.Float32, value));
    public void Add(string key, bool value) => _metadata.Add((key, GgufValueType.Bool, value));
    public void Add(string key, string value) => _metadata.Add((key, GgufValueType.String, value));
    public void Add(string key, string[] values) => _metadata.Add((key, GgufValueType.Array, values));
    public void Add(string key, float[] values) => _metadata.Add((key, GgufValueType.Array, values));
    public void Add(string key, int[] values) => _metadata.Add((key, GgufValueType.Array, values));

    /// <summary>Adds a tensor of <paramref name="dims"/> (innermost first, as GGUF stores them) whose values
    /// <paramref name="fill"/> produces when the file is written.</summary>
    public void AddTensor(string name, GgmlType type, long[] dims, TensorFill fill)
    {
        long elements = 1;
        foreach (long d in dims) elements *= d;
        long offset = _tensors.Count == 0 ? 0 : Align(_tensors[^1].Offset + _tensors[^1].Bytes);
        _tensors.Add(new GgufTensor(name, type, dims, offset, GgmlTypeInfo.ByteCount(type, elements), fill));
    }

    /// <summary>Total bytes of tensor data (with padding) the file will hold.</summary>
    public long DataBytes => _tensors.Count == 0 ? 0 : Align(_tensors[^1].Offset + _tensors[^1].Bytes);

    public void WriteTo(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)type);
            WriteValue(w, type, value);
        }
        foreach (GgufTensor t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (long d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)t.Offset);
        }
        w.Flush();
        Pad(stream);
        long dataStart = stream.Position;
        foreach (GgufTensor t in _tensors)
        {
            if (stream.Position - dataStart != t.Offset) throw new InvalidOperationException($"tensor {t.Name}: data misplaced");
            TensorStreamer.Write(stream, t);
            Pad(stream);
        }
    }

    public static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream stream)
    {
        long padding = Align(stream.Position) - stream.Position;
        for (long i = 0; i < padding; i++) stream.WriteByte(0);
    }

    private static void WriteString(BinaryWriter w, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type, value)
        {
            case (GgufValueType.UInt32, uint u): w.Write(u); break;
            case (GgufValueType.Int32, int i): w.Write(i); break;
            case (GgufValueType.Float32, float f): w.Write(f); break;
            case (GgufValueType.Bool, bool b): w.Write((byte)(b ? 1 : 0)); break;
            case (GgufValueType.String, string s): WriteString(w, s); break;
            case (GgufValueType.Array, string[] strings):
                w.Write((uint)GgufValueType.String);
                w.Write((ulong)strings.Length);
                foreach (string s in strings) WriteString(w, s);
                break;
            case (GgufValueType.Array, float[] floats):
                w.Write((uint)GgufValueType.Float32);
                w.Write((ulong)floats.Length);
                foreach (float f in floats) w.Write(f);
                break;
            case (GgufValueType.Array, int[] ints):
                w.Write((uint)GgufValueType.Int32);
                w.Write((ulong)ints.Length);
                foreach (int i in ints) w.Write(i);
                break;
            default:
                throw new InvalidOperationException($"cannot write a {value.GetType().Name} as GGUF {type}");
        }
    }
}
