using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Cluster;

/// <summary>An <see cref="IKvSource"/> over blocks held by a local engine; disposal posts the release to the
/// engine thread. Thread-safe; disposal is idempotent.</summary>
internal sealed class LocalKvSource(string instanceId, EngineKv kv, KvHold hold) : IKvSource
{
    public string InstanceId { get; } = instanceId;

    public int BlockCount => hold.Blocks.Length;

    public int TokenCount => hold.TokenCount;

    public ValueTask SendAsync(IKvTransport link, long transferId, int fromBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentOutOfRangeException.ThrowIfNegative(fromBlock);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromBlock, BlockCount);
        return kv.SendAsync(hold, link, transferId, fromBlock, cancellationToken);
    }

    public ValueTask DisposeAsync() => new(kv.ReleaseAsync(hold));
}
