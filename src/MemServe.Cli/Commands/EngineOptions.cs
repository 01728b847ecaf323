using System.CommandLine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary>
/// The options every engine-backed command (<c>generate</c>, <c>demo</c>, <c>serve-instance</c>) declares:
/// <c>--model</c>, <c>--threads</c>, <c>--memory-mb</c>, <c>--max-batch-tokens</c>, <c>--kv-dtype</c>,
/// <c>--prefix-cache</c>, <c>--cache-host-mb</c>, <c>--cache-dir</c>, <c>--cache-disk-mb</c>. One instance per
/// command; <see cref="Read"/> turns a parse result into an <see cref="EngineSetup"/>.
/// </summary>
internal sealed class EngineOptions
{
    /// <summary>The KV dtype names <c>--kv-dtype</c> accepts.</summary>
    public static readonly string[] KvDTypes = ["f32", "bf16", "auto"];

    private readonly Option<string?> _model = Model();
    private readonly Option<int?> _threads = Threads(min: 0);
    private readonly Option<long?> _memoryMb = CliOptions.Long("--memory-mb", "Engine memory budget in MiB (weights, KV cache, scratch) [default: weights + 1024]", min: 1);
    private readonly Option<int?> _maxBatchTokens = CliOptions.Int("--max-batch-tokens", "Tokens one engine step may process [default: the engine's]", min: 1);
    private readonly Option<string> _kvDType = KvDType();
    private readonly Option<string> _prefixCache = CliOptions.Choice("--prefix-cache", "Reuse the KV cache of earlier prompts' prefixes", "on", ["on", "off"]);
    private readonly Option<long?> _cacheHostMb = CliOptions.Long("--cache-host-mb", "Host-memory tier for evicted prefix blocks, MiB [default: 0, off]", min: 0);
    private readonly Option<string?> _cacheDir = CliOptions.Text("--cache-dir", "DIR", "Disk tier directory for evicted prefix blocks (kept across runs)");
    private readonly Option<long?> _cacheDiskMb = CliOptions.Long("--cache-disk-mb", "Disk tier size, MiB [default: 1024]", min: 0);

    /// <summary><c>--model DIR</c>: a Hugging Face model folder that must exist; absent, the embedded default model.</summary>
    public static Option<string?> Model() =>
        CliOptions.ExistingDirectory("--model", "Hugging Face model folder (config.json, *.safetensors, tokenizer.json) [default: the embedded default model]");

    /// <summary><c>--threads N</c>: compute threads, at least <paramref name="min"/>; absent, all cores.</summary>
    public static Option<int?> Threads(int min) =>
        CliOptions.Int("--threads", min == 0 ? "Compute threads; 0: all cores [default: all cores]" : "Compute threads [default: all cores]", min: min);

    /// <summary><c>--kv-dtype f32|bf16|auto</c>.</summary>
    public static Option<string> KvDType() =>
        CliOptions.Choice("--kv-dtype", "KV cache element type; auto: BF16 for 16-bit weights, F32 for F32 weights", "auto", KvDTypes);

    /// <summary><c>--json</c>.</summary>
    public static Option<bool> Json(string what = "Print one JSON object per line instead of text") => CliOptions.Flag("--json", what);

    /// <summary>The <c>--kv-dtype</c> value as a dtype; null for auto (the engine's choice from the weights).</summary>
    public static DType? ParseKvDType(string value) => value switch
    {
        "f32" => DType.F32,
        "bf16" => DType.BF16,
        _ => null,
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(_model);
        command.Add(_threads);
        command.Add(_memoryMb);
        command.Add(_maxBatchTokens);
        command.Add(_kvDType);
        command.Add(_prefixCache);
        command.Add(_cacheHostMb);
        command.Add(_cacheDir);
        command.Add(_cacheDiskMb);
    }

    /// <summary>The engine setup the command line describes.</summary>
    public EngineSetup Read(ParseResult result)
    {
        long? memoryMb = result.GetValue(_memoryMb);
        long hostMb = result.GetValue(_cacheHostMb) ?? 0, diskMb = result.GetValue(_cacheDiskMb) ?? 1024;
        return new EngineSetup(result.GetValue(_model), result.GetValue(_threads) ?? 0, memoryMb * (1L << 20), result.GetValue(_maxBatchTokens))
        {
            KvCacheDType = ParseKvDType(result.GetValue(_kvDType)!),
            PrefixCache = new PrefixCacheOptions
            {
                Enabled = result.GetValue(_prefixCache) == "on", HostBytes = hostMb << 20, DiskDirectory = result.GetValue(_cacheDir), DiskBytes = diskMb << 20,
            },
        };
    }
}
