using MemServe.Model;

namespace MemServe.Core.Tests.Integration;

/// <summary>Writes a model as a Hugging Face folder with the library's own writers.</summary>
internal static class CheckpointFolder
{
    public static void Write(string directory, ModelConfig config, ITensorSource weights, bool sharded)
    {
        File.WriteAllText(Path.Combine(directory, "config.json"), ModelConfigWriter.ToConfigJson(config));
        if (sharded) SafetensorsWriter.WriteSharded(directory, weights, maxShardBytes: Math.Max(1, weights.TotalBytes / 3));
        else SafetensorsWriter.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName), weights);
    }
}
