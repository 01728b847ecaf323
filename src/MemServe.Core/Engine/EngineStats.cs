namespace MemServe.Engine;

/// <summary>A snapshot of an engine's load, memory and throughput. Immutable.</summary>
public sealed record EngineStats
{
    /// <summary>Requests holding KV blocks (prefilling or decoding).</summary>
    public int Running { get; init; }

    /// <summary>The CPU kernel set the engine's runner uses, with its instruction sets (<see cref="Compute.CpuKernels.Description"/>).</summary>
    public string KernelPath { get; init; } = "";

    /// <summary>Requests queued for admission (preempted ones included).</summary>
    public int Waiting { get; init; }

    /// <summary>Blocks in the KV pool.</summary>
    public int KvBlocksTotal { get; init; }

    /// <summary>KV blocks referenced by some request (used + free + cached == total).</summary>
    public int KvBlocksUsed { get; init; }

    /// <summary>KV blocks free.</summary>
    public int KvBlocksFree { get; init; }

    /// <summary>KV blocks that hold only cached prefixes (no running request uses them); evicted on demand.</summary>
    public int KvBlocksCached { get; init; }

    /// <summary>Cached blocks on the host tier.</summary>
    public int HostCachedBlocks { get; init; }

    /// <summary>Cached blocks on the disk tier.</summary>
    public int DiskCachedBlocks { get; init; }

    /// <summary>True when the prefix cache is on.</summary>
    public bool PrefixCacheEnabled { get; init; }

    /// <summary>Requests looked up in the prefix cache (once each, at first admission).</summary>
    public long PrefixCacheLookups { get; init; }

    /// <summary>Prompt tokens of those lookups.</summary>
    public long PrefixCachePromptTokens { get; init; }

    /// <summary>Prompt tokens served from the prefix cache (the sum of <see cref="GenerationUsage.CachedPromptTokens"/>).</summary>
    public long PrefixCacheHitTokens { get; init; }

    /// <summary>Cached blocks evicted from a tier (demoted or dropped).</summary>
    public long PrefixCacheEvictions { get; init; }

    /// <summary>Cached blocks copied up to the device from host or disk.</summary>
    public long PrefixCacheSwapIns { get; init; }

    /// <summary>Cached blocks copied down to host or disk.</summary>
    public long PrefixCacheSwapOuts { get; init; }

    /// <summary>Tokens per KV block.</summary>
    public int BlockTokens { get; init; }

    /// <summary>The memory budget.</summary>
    public long MemoryBudgetBytes { get; init; }

    /// <summary>Budget charged for weights.</summary>
    public long WeightBytes { get; init; }

    /// <summary>Budget charged for the KV cache arena.</summary>
    public long KvCacheBytes { get; init; }

    /// <summary>Budget charged for scratch buffers.</summary>
    public long ScratchBytes { get; init; }

    /// <summary>Prompt tokens of all requests admitted since start.</summary>
    public long TotalPromptTokens { get; init; }

    /// <summary>Tokens generated since start.</summary>
    public long TotalGeneratedTokens { get; init; }

    /// <summary>Generated tokens per second over the last few seconds.</summary>
    public double RecentGeneratedTokensPerSecond { get; init; }

    /// <summary>Tokens run through the model (prefill and decode) per second over the last few seconds.</summary>
    public double RecentProcessedTokensPerSecond { get; init; }

    /// <summary>Times a running request lost its KV blocks to make room and was queued for recomputation.</summary>
    public long Preemptions { get; init; }

    /// <summary>Requests that ended with a finish reason.</summary>
    public long CompletedRequests { get; init; }

    /// <summary>Requests that ended with an error (runner or postprocessing failure).</summary>
    public long FailedRequests { get; init; }

    /// <summary>Requests cancelled or abandoned by their caller.</summary>
    public long CancelledRequests { get; init; }
}
