using MemServe.Diagnostics;
using MemServe.Memory;

namespace MemServe.Engine;

/// <summary>Reads one <see cref="EngineStats"/> snapshot from an engine's parts (any thread; each figure is read once,
/// so figures may be from slightly different moments).</summary>
internal static class EngineStatsReader
{
    public static EngineStats Read(Scheduler scheduler, AdmissionQueue admissions, KvBlockPool pool, MemPool? memPool,
        KvBlockStorage storage, MemoryBudget budget, EngineCounters counters)
    {
        (double processed, double generated) = counters.Throughput.Rates();
        int free = pool.FreeCount;
        int cached = memPool?.DeviceCachedBlocks ?? 0;
        PrefixCacheCounters? cache = memPool?.Counters;
        return new EngineStats
        {
            KernelPath = Compute.CpuKernels.Description,
            Running = scheduler.RunningCount,
            Waiting = scheduler.WaitingCount + admissions.Count,
            KvBlocksTotal = pool.TotalCount,
            KvBlocksUsed = Math.Max(0, pool.TotalCount - free - cached),
            KvBlocksFree = free,
            KvBlocksCached = cached,
            HostCachedBlocks = memPool?.HostBlocks ?? 0,
            DiskCachedBlocks = memPool?.DiskBlocks ?? 0,
            PrefixCacheEnabled = memPool is not null,
            PrefixCacheLookups = cache?.Lookups ?? 0,
            PrefixCachePromptTokens = cache?.LookupTokens ?? 0,
            PrefixCacheHitTokens = cache?.HitTokens ?? 0,
            PrefixCacheEvictions = cache?.Evictions ?? 0,
            PrefixCacheSwapIns = cache?.SwapIns ?? 0,
            PrefixCacheSwapOuts = cache?.SwapOuts ?? 0,
            BlockTokens = storage.Layout.BlockTokens,
            MemoryBudgetBytes = budget.LimitBytes,
            WeightBytes = budget.UsedBy(MemoryCategory.Weights),
            KvCacheBytes = budget.UsedBy(MemoryCategory.KvCache),
            ScratchBytes = budget.UsedBy(MemoryCategory.Scratch),
            TotalPromptTokens = counters.PromptTokens,
            TotalGeneratedTokens = counters.GeneratedTokens,
            RecentGeneratedTokensPerSecond = generated,
            RecentProcessedTokensPerSecond = processed,
            Preemptions = counters.Preemptions,
            CompletedRequests = counters.Completed,
            FailedRequests = counters.Failed,
            CancelledRequests = counters.Cancelled,
        };
    }
}
