namespace MemServe.Engine;

/// <summary>A snapshot of an engine's load, memory and throughput. Immutable.</summary>
public sealed record EngineStats
{
    /// <summary>Requests holding KV blocks (prefilling or decoding).</summary>
    public int Running { get; init; }

    /// <summary>Requests queued for admission (preempted ones included).</summary>
    public int Waiting { get; init; }

    /// <summary>Blocks in the KV pool.</summary>
    public int KvBlocksTotal { get; init; }

    /// <summary>KV blocks referenced by some sequence.</summary>
    public int KvBlocksUsed { get; init; }

    /// <summary>KV blocks free.</summary>
    public int KvBlocksFree { get; init; }

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
