namespace MemServe.Memory;

/// <summary>What an eviction policy may look at when it ranks a cached block.</summary>
/// <param name="LastAccess">Logical time of the last match or insert that touched the block.</param>
/// <param name="InsertedAt">Logical time the block was cached.</param>
/// <param name="Hits">Times a lookup matched the block.</param>
/// <param name="Depth">Position of the block in its prefix (1 = the first block of a prompt).</param>
public readonly record struct EvictionCandidate(long LastAccess, long InsertedAt, long Hits, int Depth);

/// <summary>
/// Ranks cached blocks for eviction: the pool evicts the candidate with the lowest <see cref="Score"/>
/// first. Only unpinned leaves of a tier are ever offered (a block a running request uses is never a
/// candidate), and a victim is demoted to the next tier before it is dropped. Implementations must be
/// pure functions of the candidate; they are called on the engine thread. Built-ins: <see cref="EvictionPolicies"/>.
/// </summary>
public interface IEvictionPolicy
{
    /// <summary>Lower scores are evicted first.</summary>
    long Score(in EvictionCandidate candidate);
}
