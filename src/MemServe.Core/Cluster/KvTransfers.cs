namespace MemServe.Cluster;

/// <summary>
/// MemServe's transfer APIs under the paper's names, sender-side: move held KV blocks to another instance. The
/// receiver allocates, the data lands over a link, and only then is anything published (see
/// <see cref="IEngineInstance.ImportAsync"/>); a failed transfer publishes nothing and frees what it allocated.
/// </summary>
public static class KvTransfers
{
    /// <summary><c>transfer</c>: moves <paramref name="blocks"/> (made for <paramref name="tokens"/>) to
    /// <paramref name="destination"/>, which keeps the leading blocks it already caches and receives the rest; the
    /// received blocks are not published (a decode instance uses them through <see cref="IEngineInstance.DecodeAsync"/>
    /// instead, so here they are freed again once landed).</summary>
    public static Task<KvImportResult> TransferAsync(this IKvSource blocks, ReadOnlyMemory<int> tokens, IEngineInstance destination,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.ImportAsync(tokens, blocks, insert: false, cancellationToken);
    }

    /// <summary><c>transfer_with_insert</c>: as <see cref="TransferAsync"/>, and the destination publishes the full
    /// blocks of <paramref name="tokens"/> in its prompt tree once the data has landed.</summary>
    public static Task<KvImportResult> TransferWithInsertAsync(this IKvSource blocks, ReadOnlyMemory<int> tokens,
        IEngineInstance destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.ImportAsync(tokens, blocks, insert: true, cancellationToken);
    }
}
