using MemServe.Memory;

namespace MemServe.Engine;

/// <summary>Settings of one <see cref="LlmEngine"/>. Immutable; every default is stated on its property.</summary>
public sealed record LlmEngineOptions
{
    /// <summary>Bytes for weights, scratch and KV cache together. Default 4 GiB.</summary>
    public long MemoryBudgetBytes { get; init; } = 4L << 30;

    /// <summary>Tokens per KV block. Default 16.</summary>
    public int BlockTokens { get; init; } = 16;

    /// <summary>Most tokens run through the model per step (decodes first, prefill chunks with the rest);
    /// long prompts are prefilled in chunks of at most this size. Default 512.</summary>
    public int MaxBatchTokens { get; init; } = 512;

    /// <summary>Most requests holding KV blocks at once. Default 64.</summary>
    public int MaxRunningSequences { get; init; } = 64;

    /// <summary>Requests that may wait for admission before callers wait (or are rejected). Default 1024.</summary>
    public int AdmissionQueueCapacity { get; init; } = 1024;

    /// <summary>Compute threads; 0 means one per core. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>Caps the KV pool; null sizes it from what the budget leaves after weights and scratch
    /// (never more than the running requests could use at full context). Default null.</summary>
    public int? MaxKvBlocks { get; init; }

    /// <summary>Caps the context (prompt + output tokens) below the model's max_position_embeddings. Default null.</summary>
    public int? MaxContextTokens { get; init; }

    /// <summary>Dispose the weight source together with the engine. Default false.</summary>
    public bool OwnsWeights { get; init; }

    /// <summary>Clock for timings and throughput. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Quantize F32/F16/BF16 weight matrices to int8 (blocks of 32; F16 scales when packed, FP32 when not) when the runner is
    /// built and run int8 matmuls: about half the bytes per token of BF16, at a small accuracy cost (see
    /// docs/performance.md). The runner keeps only its int8 copy of the matrices. Default false.</summary>
    public bool QuantizeWeightsToQ8 { get; init; }

    /// <summary>Repack F32/F16/BF16 matrices at load into 32-row panels read as one stream by outer-product kernels
    /// (faster prefill and decode; see <see cref="Runner.CpuRunnerOptions.PackWeights"/>). The packed copy replaces the
    /// source's matrices, which are not read afterwards. Default true; false keeps them zero-copy in the source.</summary>
    public bool PackWeights { get; init; } = true;

    /// <summary>Element type of the KV cache: <see cref="Model.DType.F32"/> or <see cref="Model.DType.BF16"/>, which holds
    /// twice the tokens in the same memory and halves the attention's reads (batched decode at longer contexts is
    /// faster), at the cost of rounding keys and values to BF16 when they are written. Null (the default) follows the
    /// weights, as vLLM's <c>auto</c> does (llama.cpp's default cache is F16): BF16 when they are stored in 16 bits
    /// (F16 or BF16, quantized to Q8 or not), F32 for F32 weights (<see cref="ResolveKvCacheDType"/>). Disk-tier files
    /// and KV transfers record it (a cache written with one type is not read with the other).</summary>
    public Model.DType? KvCacheDType { get; init; }

    /// <summary>The KV element type an engine over weights stored as <paramref name="weightDType"/> uses:
    /// <see cref="KvCacheDType"/> when set, else BF16 for 16-bit weights and F32 for F32 weights.</summary>
    public Model.DType ResolveKvCacheDType(Model.DType weightDType) =>
        KvCacheDType ?? (weightDType == Model.DType.F32 ? Model.DType.F32 : Model.DType.BF16);

    /// <summary>Pooling of embedding requests that do not choose one (<see cref="EmbeddingRequest.Pooling"/>). Default
    /// <see cref="Engine.EmbeddingPooling.LastToken"/>, right for causal embedding models such as Qwen3-Embedding.</summary>
    public EmbeddingPooling EmbeddingPooling { get; init; } = EmbeddingPooling.LastToken;

    /// <summary>Name reported in <see cref="ModelInfo.Name"/>; null uses the model type. Default null.</summary>
    public string? ModelName { get; init; }

    /// <summary>The prefix cache (MemPool prompt tree with host and disk tiers): on by default, device tier
    /// only. Default <c>new PrefixCacheOptions()</c>.</summary>
    public PrefixCacheOptions PrefixCache { get; init; } = new();

    internal void Validate()
    {
        static void Positive(long value, string name)
        {
            if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"LlmEngineOptions.{name} must be at least 1.");
        }
        Positive(MemoryBudgetBytes, nameof(MemoryBudgetBytes));
        Positive(BlockTokens, nameof(BlockTokens));
        if (KvCacheDType is not (null or Model.DType.F32 or Model.DType.BF16))
            throw new ArgumentException($"LlmEngineOptions.KvCacheDType must be F32 or BF16, not {KvCacheDType}.", nameof(KvCacheDType));
        Positive(MaxBatchTokens, nameof(MaxBatchTokens));
        Positive(MaxRunningSequences, nameof(MaxRunningSequences));
        Positive(AdmissionQueueCapacity, nameof(AdmissionQueueCapacity));
        if (!Enum.IsDefined(EmbeddingPooling))
            throw new ArgumentOutOfRangeException(nameof(EmbeddingPooling), EmbeddingPooling, "LlmEngineOptions.EmbeddingPooling is not an EmbeddingPooling value.");
        if (MaxKvBlocks is { } blocks) Positive(blocks, nameof(MaxKvBlocks));
        if (MaxContextTokens is { } context && context < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxContextTokens), context, "LlmEngineOptions.MaxContextTokens must be at least 2.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "LlmEngineOptions.Threads must be 0 (all cores) or more.");
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(PrefixCache);
        PrefixCache.Validate();
    }
}
