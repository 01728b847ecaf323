using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// Reads <c>model.safetensors.index.json</c>: its <c>weight_map</c> (tensor name → shard file name).
/// Shard names must be plain file names inside the checkpoint directory.
/// </summary>
internal static class SafetensorsIndex
{
    public const string FileName = "model.safetensors.index.json";

    /// <summary>The weight map in file order; throws <see cref="CheckpointFormatException"/> naming the index on any defect.</summary>
    public static List<KeyValuePair<string, string>> ReadWeightMap(string indexPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(indexPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"Cannot read '{indexPath}': {ex.Message}", ex);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(
                $"'{indexPath}' is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException($"'{indexPath}' has no 'weight_map' object.");
            }
            var result = new List<KeyValuePair<string, string>>();
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CheckpointFormatException($"'{indexPath}': weight_map entry '{entry.Name}' must name a shard file.");
                }
                string shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new CheckpointFormatException(
                        $"'{indexPath}': weight_map entry '{entry.Name}' names shard '{shard}', which is not a plain file name.");
                }
                result.Add(new KeyValuePair<string, string>(entry.Name, shard));
            }
            if (result.Count == 0) throw new CheckpointFormatException($"'{indexPath}': weight_map lists no tensors.");
            return result;
        }
    }
}
