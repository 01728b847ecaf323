using MemServe.Engine;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Encodes every field of <see cref="EngineStats"/> in declaration order (ints as i32, counters and byte sizes
/// as i64, rates as f64, the flag as a byte, the kernel path as a string) for stats replies and health answers. A test round-trips a
/// snapshot with every property set, so a field added to <see cref="EngineStats"/> and not here fails it.
/// Stateless.
/// </summary>
internal static class EngineStatsCodec
{
    public static void Write(WireWriter w, EngineStats s)
    {
        w.WriteInt32(s.Running);
        w.WriteInt32(s.Waiting);
        w.WriteInt32(s.KvBlocksTotal);
        w.WriteInt32(s.KvBlocksUsed);
        w.WriteInt32(s.KvBlocksFree);
        w.WriteInt32(s.KvBlocksCached);
        w.WriteInt32(s.HostCachedBlocks);
        w.WriteInt32(s.DiskCachedBlocks);
        w.WriteBool(s.PrefixCacheEnabled);
        w.WriteInt64(s.PrefixCacheLookups);
        w.WriteInt64(s.PrefixCachePromptTokens);
        w.WriteInt64(s.PrefixCacheHitTokens);
        w.WriteInt64(s.PrefixCacheEvictions);
        w.WriteInt64(s.PrefixCacheSwapIns);
        w.WriteInt64(s.PrefixCacheSwapOuts);
        w.WriteInt32(s.BlockTokens);
        w.WriteInt64(s.MemoryBudgetBytes);
        w.WriteInt64(s.WeightBytes);
        w.WriteInt64(s.KvCacheBytes);
        w.WriteInt64(s.ScratchBytes);
        w.WriteInt64(s.TotalPromptTokens);
        w.WriteInt64(s.TotalGeneratedTokens);
        w.WriteDouble(s.RecentGeneratedTokensPerSecond);
        w.WriteDouble(s.RecentProcessedTokensPerSecond);
        w.WriteInt64(s.Preemptions);
        w.WriteInt64(s.CompletedRequests);
        w.WriteInt64(s.FailedRequests);
        w.WriteInt64(s.CancelledRequests);
        w.WriteString(s.KernelPath);
    }

    public static EngineStats Read(ref WireReader r) => new()
    {
        Running = r.ReadInt32(),
        Waiting = r.ReadInt32(),
        KvBlocksTotal = r.ReadInt32(),
        KvBlocksUsed = r.ReadInt32(),
        KvBlocksFree = r.ReadInt32(),
        KvBlocksCached = r.ReadInt32(),
        HostCachedBlocks = r.ReadInt32(),
        DiskCachedBlocks = r.ReadInt32(),
        PrefixCacheEnabled = r.ReadBool(),
        PrefixCacheLookups = r.ReadInt64(),
        PrefixCachePromptTokens = r.ReadInt64(),
        PrefixCacheHitTokens = r.ReadInt64(),
        PrefixCacheEvictions = r.ReadInt64(),
        PrefixCacheSwapIns = r.ReadInt64(),
        PrefixCacheSwapOuts = r.ReadInt64(),
        BlockTokens = r.ReadInt32(),
        MemoryBudgetBytes = r.ReadInt64(),
        WeightBytes = r.ReadInt64(),
        KvCacheBytes = r.ReadInt64(),
        ScratchBytes = r.ReadInt64(),
        TotalPromptTokens = r.ReadInt64(),
        TotalGeneratedTokens = r.ReadInt64(),
        RecentGeneratedTokensPerSecond = r.ReadDouble(),
        RecentProcessedTokensPerSecond = r.ReadDouble(),
        Preemptions = r.ReadInt64(),
        CompletedRequests = r.ReadInt64(),
        FailedRequests = r.ReadInt64(),
        CancelledRequests = r.ReadInt64(),
        KernelPath = r.ReadString() ?? "",
    };

    /// <summary>Decodes a whole payload that is only a stats snapshot.</summary>
    public static EngineStats Read(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        EngineStats stats = Read(ref r);
        r.EnsureEnd();
        return stats;
    }
}
