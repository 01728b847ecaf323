namespace MemServe.Cluster;

/// <summary>What an <see cref="LlmCluster"/> did between its instances, beyond each instance's own counters.
/// Thread-safe; read as snapshots.</summary>
public sealed class ClusterCounters
{
    private long _transfers;
    private long _transferredBlocks;
    private long _failedTransfers;

    /// <summary>Cache-to-cache KV transfers completed (prompt-tree moves, PD-Caching-3 write-backs).</summary>
    public long Transfers => Interlocked.Read(ref _transfers);

    /// <summary>Blocks those transfers moved.</summary>
    public long TransferredBlocks => Interlocked.Read(ref _transferredBlocks);

    /// <summary>Cache-to-cache transfers that failed (the target recomputed instead).</summary>
    public long FailedTransfers => Interlocked.Read(ref _failedTransfers);

    internal void OnTransfer(int blocks)
    {
        Interlocked.Increment(ref _transfers);
        Interlocked.Add(ref _transferredBlocks, blocks);
    }

    internal void OnTransferFailed() => Interlocked.Increment(ref _failedTransfers);
}
