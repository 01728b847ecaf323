namespace MemServe.Memory;

/// <summary>
/// Hears which prefixes a <see cref="MemPool"/>'s prompt tree gained and lost, as the cluster's chained block
/// hashes (<see cref="Cluster.BlockHasher"/>, root first within one call): an added hash means the instance can
/// now serve that prefix from some tier; a removed hash means it no longer can. This is the event stream that
/// feeds the global prompt trees. Called on the engine thread, synchronously, after the pool operation that
/// caused the change; implementations must be quick, must not throw and must not call back into the pool.
/// The spans are only valid during the call.
/// </summary>
public interface IPromptTreeObserver
{
    /// <summary>Prefixes newly cached (on any tier).</summary>
    void OnInserted(ReadOnlySpan<ulong> chainedHashes);

    /// <summary>Prefixes no longer cached on any tier.</summary>
    void OnRemoved(ReadOnlySpan<ulong> chainedHashes);
}
