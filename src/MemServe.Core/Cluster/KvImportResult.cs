namespace MemServe.Cluster;

/// <summary>How an import went on the receiving instance.</summary>
/// <param name="HeldBlocks">Leading blocks the receiver already cached (not sent).</param>
/// <param name="ReceivedBlocks">Blocks that travelled.</param>
/// <param name="InsertedBlocks">Blocks newly published in the receiver's prompt tree.</param>
public sealed record KvImportResult(int HeldBlocks, int ReceivedBlocks, int InsertedBlocks);
