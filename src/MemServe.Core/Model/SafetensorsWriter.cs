using System.Buffers.Binary;
using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// Writes safetensors files: an 8-byte little-endian header length, a JSON header (padded with spaces to
/// a multiple of 8 bytes; <c>data_offsets</c> relative to the data section), then the tensors' bytes in
/// header order, contiguous. Tensor data is streamed, never gathered into one buffer. Existing files
/// are overwritten. Not used on any hot path.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (in the given order) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A name repeats or is reserved, or a tensor's data length disagrees with its shape.</exception>
    public static void Write(
        string path,
        IEnumerable<(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var pending = new List<PendingTensor>();
        foreach (var (name, dtype, shape, data) in tensors)
        {
            pending.Add(new PendingTensor(name, dtype, shape, data.Length, data, 0));
        }
        WriteFile(path, pending, metadata);
    }

    /// <summary>Writes every tensor of <paramref name="source"/>, sorted by name (ordinal), to <paramref name="path"/>.</summary>
    public static void Write(string path, ITensorSource source, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        WriteFile(path, Collect(source, SortedNames(source)), metadata);
    }

    /// <summary>
    /// Writes <paramref name="source"/> as shards <c>model-0000k-of-0000n.safetensors</c> plus
    /// <c>model.safetensors.index.json</c> into <paramref name="directory"/> (created if needed). Tensors go in
    /// name order; a shard is closed when the next tensor would take it past <paramref name="maxShardBytes"/>
    /// of tensor data (a tensor larger than the limit gets a shard of its own). Always writes the
    /// sharded form, even when one shard suffices.
    /// </summary>
    /// <returns>The shard file names, in order.</returns>
    public static IReadOnlyList<string> WriteSharded(string directory, ITensorSource source, long maxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        System.IO.Directory.CreateDirectory(directory);

        List<PendingTensor> all = Collect(source, SortedNames(source));
        var shards = new List<List<PendingTensor>>();
        long current = 0;
        foreach (PendingTensor tensor in all)
        {
            if (shards.Count == 0 || (shards[^1].Count > 0 && current + tensor.ByteLength > maxShardBytes))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(tensor);
            current += tensor.ByteLength;
        }
        if (shards.Count == 0) shards.Add([]);

        var names = new List<string>(shards.Count);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (int k = 0; k < shards.Count; k++)
        {
            string shardName = $"model-{k + 1:D5}-of-{shards.Count:D5}.safetensors";
            names.Add(shardName);
            WriteFile(Path.Combine(directory, shardName), shards[k], new Dictionary<string, string> { ["format"] = "pt" });
            foreach (PendingTensor tensor in shards[k])
            {
                weightMap[tensor.Name] = shardName;
                totalSize += tensor.ByteLength;
            }
        }
        WriteIndex(Path.Combine(directory, SafetensorsIndex.FileName), weightMap, totalSize);
        return names;
    }

    private static void WriteIndex(string path, SortedDictionary<string, string> weightMap, long totalSize)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject("metadata");
        w.WriteNumber("total_size", totalSize);
        w.WriteEndObject();
        w.WriteStartObject("weight_map");
        foreach (var (name, shard) in weightMap) w.WriteString(name, shard);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string[] SortedNames(ITensorSource source)
    {
        var names = new List<string>(source.TensorNames).ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        return names;
    }

    private static List<PendingTensor> Collect(ITensorSource source, string[] names)
    {
        var pending = new List<PendingTensor>(names.Length);
        foreach (string name in names)
        {
            if (!source.TryGetTensor(name, out TensorRef tensor))
            {
                throw new MissingTensorException($"The tensor source lists '{name}' but does not return it.");
            }
            pending.Add(new PendingTensor(name, tensor.DType, tensor.Shape, tensor.ByteLength, default, tensor.Pointer));
        }
        return pending;
    }

    private static void WriteFile(string path, List<PendingTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = SafetensorsHeaderWriter.Build(tensors, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
        stream.Write(lengthBytes);
        stream.Write(header);
        foreach (PendingTensor tensor in tensors) tensor.WriteTo(stream);
    }
}
