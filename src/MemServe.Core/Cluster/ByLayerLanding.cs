using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Cluster;

/// <summary>
/// A by-layer transfer into a local engine: the decode side's blocks allocated before the prefill, the link both
/// sides use, and the receive running from the start. Until handed over, disposal cancels whatever is still under
/// way, waits for it, and frees the blocks: a failed transfer publishes nothing.
/// </summary>
internal sealed class ByLayerLanding : IAsyncDisposable
{
    private readonly EngineKv _kv;
    private readonly IKvTransport _receiverEnd;
    private readonly CancellationTokenSource _cancel = new();
    private readonly Task<KvTransferResult>? _receive;
    private int _disposed;

    public ByLayerLanding(EngineKv kv, int[] prompt, KvLanding landing, IKvTransport senderEnd, IKvTransport receiverEnd, long transferId)
    {
        _kv = kv;
        Prompt = prompt;
        Landing = landing;
        SenderEnd = senderEnd;
        _receiverEnd = receiverEnd;
        TransferId = transferId;
        if (landing.MissingBlocks > 0) _receive = kv.ReceiveAsync(landing, receiverEnd, transferId, _cancel.Token);
    }

    public int[] Prompt { get; }

    public KvLanding Landing { get; }

    public IKvTransport SenderEnd { get; }

    public long TransferId { get; }

    /// <summary>The prefill side's sender, once it has one.</summary>
    public Task? Sending { get; set; }

    /// <summary>The decode request owns the landed blocks.</summary>
    public bool HandedOver { get; set; }

    /// <summary>Waits until every layer landed; throws (having freed everything) when the transfer failed.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_receive is null) return;
            KvTransferResult result = await _receive.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Completed) await SenderEnd.DisposeAsync().ConfigureAwait(false);
            Exception? sendError = await TransferOutcome.FaultOfAsync(Sending).ConfigureAwait(false);
            TransferOutcome.ThrowIfFailed(result, sendError, $"By-layer KV transfer {TransferId}", Landing.MissingBlocks);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _cancel.CancelAsync().ConfigureAwait(false);
        await SenderEnd.DisposeAsync().ConfigureAwait(false);
        try { if (_receive is not null) await _receive.ConfigureAwait(false); }
        catch (Exception) { /* reported by CompleteAsync when anyone asked */ }
        try { if (Sending is not null) await Sending.ConfigureAwait(false); }
        catch (Exception) { /* ditto */ }
        await _receiverEnd.DisposeAsync().ConfigureAwait(false);
        _cancel.Dispose();
        if (!HandedOver) await _kv.ReleaseAsync(Landing.Hold).ConfigureAwait(false);
    }
}
