using System.Text.Json;

namespace MemServe.Model;

/// <summary>One tensor described by a safetensors header; offsets are relative to the data section.</summary>
internal readonly record struct SafetensorsEntry(string Name, DType DType, long[] Shape, long Begin, long End);

/// <summary>
/// Parses and strictly validates the JSON header of a safetensors file: every entry has a supported
/// dtype, non-negative dims, offsets inside the data section with <c>begin ≤ end</c>, a byte length equal
/// to elements × dtype size, and no two tensors overlap (gaps are allowed). <c>__metadata__</c> is skipped.
/// Every failure is a <see cref="CheckpointFormatException"/> naming the file and, where relevant, the tensor.
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The tensor entries and the <c>__metadata__</c> string pairs of a header.</summary>
    public static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(
        ReadOnlyMemory<byte> headerUtf8, long dataLength, string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerUtf8);
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(
                $"'{file}': the safetensors header is not valid JSON (byte {ex.BytePositionInLine + 1} of line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException($"'{file}': the safetensors header must be a JSON object, found {doc.RootElement.ValueKind}.");
            }
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey) ReadMetadata(property.Value, metadata, file);
                else entries.Add(ParseEntry(property.Name, property.Value, dataLength, file));
            }
            CheckNoOverlap(entries, file);
            return (entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, long dataLength, string file)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(file, name, "entry must be an object");
        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement)) throw Bad(file, name, "entry has no 'dtype'");
        if (!value.TryGetProperty("shape", out JsonElement shapeElement)) throw Bad(file, name, "entry has no 'shape'");
        if (!value.TryGetProperty("data_offsets", out JsonElement offsetsElement)) throw Bad(file, name, "entry has no 'data_offsets'");

        string dtypeName = dtypeElement.ValueKind == JsonValueKind.String ? dtypeElement.GetString()! : dtypeElement.GetRawText();
        if (!DTypeExtensions.TryParseSafetensors(dtypeName, out DType dtype))
        {
            throw Bad(file, name, $"dtype '{dtypeName}' is not supported (supported: F32, F16, BF16)");
        }

        if (shapeElement.ValueKind != JsonValueKind.Array) throw Bad(file, name, "'shape' must be an array");
        var shape = new long[shapeElement.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d))
            {
                throw Bad(file, name, $"shape dimension {dim.GetRawText()} is not an integer");
            }
            if (d < 0) throw Bad(file, name, $"shape has a negative dimension ({d})");
            shape[i++] = d;
            elements = MultiplyOrThrow(elements, d, file, name);
        }

        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
        {
            throw Bad(file, name, "'data_offsets' must be an array of two integers");
        }
        long begin = Offset(offsetsElement[0], file, name);
        long end = Offset(offsetsElement[1], file, name);
        if (end < begin) throw Bad(file, name, $"data_offsets end ({end}) is before begin ({begin})");
        if (end > dataLength)
        {
            throw Bad(file, name, $"data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes)");
        }
        long expected = MultiplyOrThrow(elements, dtype.SizeInBytes(), file, name);
        if (end - begin != expected)
        {
            throw Bad(file, name,
                $"byte length {end - begin} does not match shape [{string.Join(", ", shape)}] × {dtypeName} = {expected} bytes");
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static void ReadMetadata(JsonElement block, Dictionary<string, string> metadata, string file)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException($"'{file}': '{MetadataKey}' must be an object of strings.");
        }
        foreach (JsonProperty pair in block.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException($"'{file}': metadata value '{pair.Name}' must be a string.");
            }
            metadata[pair.Name] = pair.Value.GetString()!;
        }
    }

    private static void CheckNoOverlap(List<SafetensorsEntry> entries, string file)
    {
        var byBegin = entries.ToArray();
        Array.Sort(byBegin, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        for (int i = 1; i < byBegin.Length; i++)
        {
            SafetensorsEntry previous = byBegin[i - 1];
            SafetensorsEntry current = byBegin[i];
            if (current.Begin < previous.End)
            {
                throw new CheckpointFormatException(
                    $"'{file}': tensors '{previous.Name}' [{previous.Begin}, {previous.End}] and '{current.Name}' [{current.Begin}, {current.End}] overlap.");
            }
        }
    }

    private static long Offset(JsonElement element, string file, string name)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
        {
            throw Bad(file, name, $"data_offsets value {element.GetRawText()} is not a non-negative integer");
        }
        return value;
    }

    private static long MultiplyOrThrow(long a, long b, string file, string name)
    {
        try
        {
            return checked(a * b);
        }
        catch (OverflowException)
        {
            throw Bad(file, name, "shape is too large");
        }
    }

    private static CheckpointFormatException Bad(string file, string tensor, string problem) =>
        new($"'{file}': tensor '{tensor}': {problem}.");
}
