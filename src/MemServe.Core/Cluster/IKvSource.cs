using MemServe.Transport;

namespace MemServe.Cluster;

/// <summary>
/// KV blocks held on one instance for another to receive: a prefill's prompt KV or an exported cached prefix.
/// Block i holds tokens [i·B, (i+1)·B) of the prefix it was made for (the last block may be partial). The blocks
/// stay held, unchanged, until disposal. Thread-safe; dispose exactly when no receiver needs it any more.
/// </summary>
public interface IKvSource : IAsyncDisposable
{
    /// <summary>The instance holding the blocks.</summary>
    string InstanceId { get; }

    /// <summary>Blocks held.</summary>
    int BlockCount { get; }

    /// <summary>Tokens the blocks cover.</summary>
    int TokenCount { get; }

    /// <summary>Sends blocks [<paramref name="fromBlock"/>, <see cref="BlockCount"/>) over <paramref name="link"/> as
    /// one aggregated <see cref="MessageType.KvBlocks"/> frame with correlation id <paramref name="transferId"/>.
    /// Completes when the frame is in the link's buffers; throws <see cref="KvTransportException"/> on failure.</summary>
    ValueTask SendAsync(IKvTransport link, long transferId, int fromBlock, CancellationToken cancellationToken = default);
}
