using System.Text;

namespace MemServe.Anchor.Gguf;

/// <summary>What <see cref="GgufReader"/> reads back: scalar metadata (arrays as their element count), tensor
/// infos, and where the data section starts.</summary>
internal sealed record GgufHeader(
    uint Version,
    IReadOnlyDictionary<string, object> Metadata,
    IReadOnlyList<(string Name, GgmlType Type, long[] Dims, long Offset)> Tensors,
    long DataStart,
    long FileBytes);

/// <summary>
/// Reads the header of a GGUF v3 file (our own code, independent of the writer's layout arithmetic) so the
/// self-check can compare what was meant with what was written. Tensor data is not read.
/// </summary>
internal static class GgufReader
{
    public static GgufHeader Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (r.ReadUInt32() != GgufWriter.Magic) throw new InvalidDataException("not a GGUF file (magic)");
        uint version = r.ReadUInt32();
        long tensorCount = checked((long)r.ReadUInt64()), kvCount = checked((long)r.ReadUInt64());
        var metadata = new Dictionary<string, object>();
        for (long i = 0; i < kvCount; i++)
        {
            string key = ReadString(r);
            metadata[key] = ReadValue(r, (GgufValueType)r.ReadUInt32());
        }
        var tensors = new List<(string, GgmlType, long[], long)>();
        for (long i = 0; i < tensorCount; i++)
        {
            string name = ReadString(r);
            var dims = new long[r.ReadUInt32()];
            for (int d = 0; d < dims.Length; d++) dims[d] = checked((long)r.ReadUInt64());
            var type = (GgmlType)r.ReadUInt32();
            tensors.Add((name, type, dims, checked((long)r.ReadUInt64())));
        }
        long alignment = metadata.TryGetValue("general.alignment", out object? a) ? Convert.ToInt64(a) : GgufWriter.Alignment;
        long dataStart = (stream.Position + alignment - 1) / alignment * alignment;
        return new GgufHeader(version, metadata, tensors, dataStart, stream.Length);
    }

    private static string ReadString(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes(checked((int)r.ReadUInt64())));

    private static object ReadValue(BinaryReader r, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() != 0,
        GgufValueType.String => ReadString(r),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        GgufValueType.Array => ReadArray(r),
        _ => throw new InvalidDataException($"unknown GGUF value type {(uint)type}"),
    };

    /// <summary>Skips an array's elements and returns its length.</summary>
    private static long ReadArray(BinaryReader r)
    {
        var elementType = (GgufValueType)r.ReadUInt32();
        long count = checked((long)r.ReadUInt64());
        for (long i = 0; i < count; i++) ReadValue(r, elementType);
        return count;
    }
}
