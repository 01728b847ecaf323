using System.Text.Json;

namespace MemServe.Model;

/// <summary>A tensor queued for writing: its bytes come from managed memory or from a native pointer.</summary>
internal readonly record struct PendingTensor(string Name, DType DType, long[] Shape, long ByteLength, ReadOnlyMemory<byte> Managed, nint Pointer)
{
    private const int ChunkBytes = 1 << 24;

    /// <summary>Streams the tensor's bytes to <paramref name="stream"/> in chunks.</summary>
    public unsafe void WriteTo(Stream stream)
    {
        if (Pointer == 0)
        {
            stream.Write(Managed.Span);
            return;
        }
        byte* p = (byte*)Pointer;
        for (long done = 0; done < ByteLength; done += ChunkBytes)
        {
            int count = (int)Math.Min(ChunkBytes, ByteLength - done);
            stream.Write(new ReadOnlySpan<byte>(p + done, count));
        }
    }
}

/// <summary>Builds the JSON header of a safetensors file, validating names and lengths.</summary>
internal static class SafetensorsHeaderWriter
{
    /// <summary>The UTF-8 header, padded with spaces to a multiple of 8 bytes.</summary>
    public static byte[] Build(List<PendingTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata) w.WriteString(key, value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (PendingTensor tensor in tensors)
            {
                Validate(tensor, seen);
                w.WriteStartObject(tensor.Name);
                w.WriteString("dtype", tensor.DType.SafetensorsName());
                w.WriteStartArray("shape");
                foreach (long d in tensor.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + tensor.ByteLength);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += tensor.ByteLength;
            }
            w.WriteEndObject();
        }
        int length = (int)buffer.Length;
        int padded = (length + 7) & ~7;
        byte[] header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void Validate(PendingTensor tensor, HashSet<string> seen)
    {
        if (string.IsNullOrEmpty(tensor.Name) || tensor.Name == SafetensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"'{tensor.Name}' is not a valid tensor name.");
        }
        if (!seen.Add(tensor.Name)) throw new ArgumentException($"Tensor '{tensor.Name}' is written twice.");
        long elements = 1;
        foreach (long d in tensor.Shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{tensor.Name}' has a negative dimension ({d}).");
            elements = checked(elements * d);
        }
        long expected = elements * tensor.DType.SizeInBytes();
        if (expected != tensor.ByteLength)
        {
            throw new ArgumentException(
                $"Tensor '{tensor.Name}' has {tensor.ByteLength} bytes but shape [{string.Join(", ", tensor.Shape)}] of {tensor.DType.SafetensorsName()} needs {expected}.");
        }
    }
}
