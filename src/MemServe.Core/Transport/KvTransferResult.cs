namespace MemServe.Transport;

/// <summary>
/// How a KV transfer ended on the receiving side. When <see cref="Completed"/> is true every expected layer
/// of every destination block has landed and the caller may publish (insert into its prompt tree, start
/// decoding). Otherwise the caller must free <see cref="WrittenBlocks"/> (and any other blocks it allocated
/// for the transfer): their contents are partial.
/// </summary>
/// <param name="Completed">All data landed.</param>
/// <param name="WrittenBlocks">Destination block ids that received any data, in destination order.</param>
/// <param name="FramesLanded">Frames applied.</param>
/// <param name="Error">Why the transfer stopped early (a <see cref="KvTransportException"/> or a cancellation); null when completed.</param>
public sealed record KvTransferResult(bool Completed, IReadOnlyList<int> WrittenBlocks, int FramesLanded, Exception? Error);
