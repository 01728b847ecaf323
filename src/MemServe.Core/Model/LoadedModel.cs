using MemServe.Tokenization;

namespace MemServe.Model;

/// <summary>
/// A model ready to serve: its configuration, its weights and its tokenizer. Either a Hugging Face
/// folder (config.json, model.safetensors or a sharded index, tokenizer.json) or the embedded default
/// model. Owns <see cref="Weights"/>: disposing the model unmaps or frees them, so hand ownership to an
/// engine (which then disposes it) or dispose it after the engine.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    private LoadedModel(string name, ModelConfig config, ITensorSource weights, ITokenizer tokenizer, string? directory)
    {
        Name = name;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        Directory = directory;
    }

    /// <summary>A display name: the folder's name, or the default model's name.</summary>
    public string Name { get; }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The tensors (memory-mapped for folders, native memory for the default model).</summary>
    public ITensorSource Weights { get; }

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>The folder the model came from, or null for the embedded default.</summary>
    public string? Directory { get; }

    /// <summary>Loads a Hugging Face model folder. Errors name the file, field or tensor at fault.</summary>
    public static LoadedModel FromDirectory(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new ModelConfigException($"Model directory '{directory}' does not exist.");
        ModelConfig config = ModelConfigLoader.Load(directory);
        Tokenizer tokenizer = Tokenization.Tokenizer.Load(directory);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.Open(directory);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return new LoadedModel(name, config, weights, tokenizer, directory);
    }

    /// <summary>Builds the embedded default model in memory (deterministic; no file, no download).</summary>
    public static LoadedModel Default()
    {
        Tokenizer tokenizer = Tokenization.Tokenizer.FromJson(DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson, "default tokenizer.json");
        return new LoadedModel(DefaultModel.Name, DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer, directory: null);
    }

    /// <summary>Loads <paramref name="directory"/>, or the default model when it is null.</summary>
    public static LoadedModel Load(string? directory) => directory is null ? Default() : FromDirectory(directory);

    /// <summary>Number of parameters (elements of all tensors).</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (string name in Weights.TensorNames)
            {
                if (Weights.TryGetTensor(name, out TensorRef t)) count += t.ElementCount;
            }
            return count;
        }
    }

    /// <summary>The dtype most of the weight bytes are stored in.</summary>
    public DType WeightDType
    {
        get
        {
            Span<long> bytes = stackalloc long[3];
            foreach (string name in Weights.TensorNames)
            {
                if (Weights.TryGetTensor(name, out TensorRef t)) bytes[(int)t.DType] += t.ByteLength;
            }
            int best = 0;
            for (int i = 1; i < bytes.Length; i++) if (bytes[i] > bytes[best]) best = i;
            return (DType)best;
        }
    }

    /// <summary>Frees or unmaps the weights.</summary>
    public void Dispose() => Weights.Dispose();
}
