using MemServe.Core.Tests.Model;
using MemServe.Core.Tests.Runner;
using MemServe.Model;

namespace MemServe.Core.Tests.Integration;

/// <summary>
/// Tiny random checkpoints written as real Hugging Face folders (config.json + safetensors), loaded back
/// through the same path a user's checkpoint takes, and run by the fast runner against the reference.
/// </summary>
[Collection(nameof(NativeMemoryCollection))]
public class CheckpointRunnerTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllCases), MemberType = typeof(TinyModels))]
    public void Written_checkpoint_runs_like_the_reference(string kind, DType dtype)
    {
        using var dir = new TempDirectory();
        var (config, weights) = TinyModels.Create(kind, dtype, seed: 5);
        using (weights)
        {
            CheckpointFolder.Write(dir.Path, config, weights, sharded: kind == "qwen3");
        }

        ModelConfig loadedConfig = ModelConfigLoader.Load(dir.Path);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        using var harness = new RunnerHarness(loadedConfig, checkpoint);
        int[] prompt = TinyModels.Tokens(13, loadedConfig.VocabSize, seed: 9);

        float[] actual = harness.Step(0, prompt);

        float[][] expected = new ReferenceModel(loadedConfig, checkpoint).Forward(prompt);
        LogitAssert.Close(expected[^1], actual, context: $"{kind} {dtype} from disk");
    }

    [Fact]
    public void Loaded_config_keeps_the_architecture_switches()
    {
        using var dir = new TempDirectory();
        var (config, weights) = TinyModels.Create("qwen3", DType.BF16);
        using (weights) CheckpointFolder.Write(dir.Path, config, weights, sharded: false);

        ModelConfig loaded = ModelConfigLoader.Load(dir.Path);

        Assert.Equal(config.ModelType, loaded.ModelType);
        Assert.Equal(config.HeadDim, loaded.HeadDim);
        Assert.True(loaded.QkNorm);
        Assert.Equal(config.NumKvHeads, loaded.NumKvHeads);
        Assert.Equal(config.RopeScaling, loaded.RopeScaling);
    }
}
