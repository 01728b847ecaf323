namespace MemServe.Memory;

/// <summary>One cached block: its tier and its id on that tier (a device or host block id; for
/// <see cref="MemoryTier.Disk"/> an index into the disk store that is only meaningful to the pool).</summary>
/// <param name="Tier">The fastest tier holding the block.</param>
/// <param name="BlockId">The block's id on <paramref name="Tier"/>.</param>
public readonly record struct BlockLocation(MemoryTier Tier, int BlockId);
