using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary>Options every engine-backed command shares: --model, --threads, --memory-mb, --max-batch-tokens.</summary>
internal sealed class EngineSetup
{
    private EngineSetup(string? modelDirectory, int threads, long? memoryBytes, int? maxBatchTokens)
    {
        ModelDirectory = modelDirectory;
        Threads = threads;
        MemoryBytes = memoryBytes;
        MaxBatchTokens = maxBatchTokens;
    }

    public string? ModelDirectory { get; }
    public int Threads { get; }
    public long? MemoryBytes { get; }
    public int? MaxBatchTokens { get; }

    /// <summary>Reads the shared options (call before <see cref="CliArgs.ThrowIfUnused"/>).</summary>
    public static EngineSetup Read(CliArgs args)
    {
        long? memoryMb = args.GetLong("memory-mb");
        if (memoryMb is <= 0) throw new CliUsageException("--memory-mb must be positive");
        return new EngineSetup(args.Get("model"), args.GetInt("threads") ?? 0, memoryMb * (1L << 20), args.GetInt("max-batch-tokens"));
    }

    /// <summary>
    /// Loads the model and starts an engine that owns its weights. The memory budget defaults to the
    /// weights plus 1 GiB for the KV cache and scratch.
    /// </summary>
    public LlmEngine CreateEngine()
    {
        LoadedModel model = LoadedModel.Load(ModelDirectory);
        try
        {
            var options = new LlmEngineOptions
            {
                MemoryBudgetBytes = MemoryBytes ?? model.Weights.TotalBytes + (1L << 30),
                Threads = Threads,
                OwnsWeights = true,
                ModelName = model.Name,
                MaxBatchTokens = MaxBatchTokens ?? new LlmEngineOptions().MaxBatchTokens,
            };
            return LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
