using MemServe.Engine;

namespace MemServe.Cluster;

/// <summary>Sums instance snapshots into one <see cref="EngineStats"/> (counts, blocks, bytes and rates add up;
/// the block size is the instances' common one; the kernel path is the instances' common one, or each distinct one
/// joined by "; "). Stateless.</summary>
internal static class ClusterStats
{
    public static EngineStats Sum(IReadOnlyList<EngineStats> all)
    {
        var s = new EngineStats { BlockTokens = all.Count > 0 ? all[0].BlockTokens : 0 };
        foreach (EngineStats e in all)
        {
            s = s with
            {
                KernelPath = s.KernelPath.Length == 0 ? e.KernelPath
                    : s.KernelPath.Split("; ").Contains(e.KernelPath) ? s.KernelPath : $"{s.KernelPath}; {e.KernelPath}",
                Running = s.Running + e.Running,
                Waiting = s.Waiting + e.Waiting,
                KvBlocksTotal = s.KvBlocksTotal + e.KvBlocksTotal,
                KvBlocksUsed = s.KvBlocksUsed + e.KvBlocksUsed,
                KvBlocksFree = s.KvBlocksFree + e.KvBlocksFree,
                KvBlocksCached = s.KvBlocksCached + e.KvBlocksCached,
                HostCachedBlocks = s.HostCachedBlocks + e.HostCachedBlocks,
                DiskCachedBlocks = s.DiskCachedBlocks + e.DiskCachedBlocks,
                PrefixCacheEnabled = s.PrefixCacheEnabled || e.PrefixCacheEnabled,
                PrefixCacheLookups = s.PrefixCacheLookups + e.PrefixCacheLookups,
                PrefixCachePromptTokens = s.PrefixCachePromptTokens + e.PrefixCachePromptTokens,
                PrefixCacheHitTokens = s.PrefixCacheHitTokens + e.PrefixCacheHitTokens,
                PrefixCacheEvictions = s.PrefixCacheEvictions + e.PrefixCacheEvictions,
                PrefixCacheSwapIns = s.PrefixCacheSwapIns + e.PrefixCacheSwapIns,
                PrefixCacheSwapOuts = s.PrefixCacheSwapOuts + e.PrefixCacheSwapOuts,
                MemoryBudgetBytes = s.MemoryBudgetBytes + e.MemoryBudgetBytes,
                WeightBytes = s.WeightBytes + e.WeightBytes,
                KvCacheBytes = s.KvCacheBytes + e.KvCacheBytes,
                ScratchBytes = s.ScratchBytes + e.ScratchBytes,
                TotalPromptTokens = s.TotalPromptTokens + e.TotalPromptTokens,
                TotalGeneratedTokens = s.TotalGeneratedTokens + e.TotalGeneratedTokens,
                RecentGeneratedTokensPerSecond = s.RecentGeneratedTokensPerSecond + e.RecentGeneratedTokensPerSecond,
                RecentProcessedTokensPerSecond = s.RecentProcessedTokensPerSecond + e.RecentProcessedTokensPerSecond,
                Preemptions = s.Preemptions + e.Preemptions,
                CompletedRequests = s.CompletedRequests + e.CompletedRequests,
                FailedRequests = s.FailedRequests + e.FailedRequests,
                CancelledRequests = s.CancelledRequests + e.CancelledRequests,
            };
        }
        return s;
    }
}
