using MemServe.Transport;

namespace MemServe.Cluster;

/// <summary>How a KV transfer into a local engine ended, from the receive's result and the sender's task: one rule for
/// aggregated and by-layer transfers.</summary>
internal static class TransferOutcome
{
    /// <summary>The exception <paramref name="sending"/> ended with (null when it succeeded or was never started).</summary>
    public static async Task<Exception?> FaultOfAsync(Task? sending)
    {
        try
        {
            if (sending is not null) await sending.ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>Returns when the receive completed. Otherwise rethrows a cancellation as is, and anything else as a
    /// <see cref="KvTransportException"/> (the sender's error first, then the receiver's) naming
    /// <paramref name="transfer"/> and the blocks still missing.</summary>
    public static void ThrowIfFailed(KvTransferResult result, Exception? sendError, string transfer, int missingBlocks)
    {
        if (result.Completed) return;
        Exception cause = sendError ?? result.Error ?? new KvTransportException(TransportErrorKind.PeerGone, "The transfer ended early.");
        if (cause is OperationCanceledException) throw cause;
        throw new KvTransportException(cause is KvTransportException k ? k.Kind : TransportErrorKind.PeerGone,
            $"{transfer} failed ({missingBlocks} blocks): {cause.Message}", cause);
    }
}
