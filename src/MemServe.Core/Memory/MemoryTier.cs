namespace MemServe.Memory;

/// <summary>Where a cached KV block lives. Attention reads only <see cref="Device"/> blocks; a block on a
/// lower tier is swapped in before a prefill uses it. Ordered from fastest to slowest.</summary>
public enum MemoryTier
{
    /// <summary>The engine's KV arena (host RAM on the CPU backend, HBM on a GPU backend).</summary>
    Device,
    /// <summary>DRAM spill outside the engine's memory budget, bounded by its own byte budget.</summary>
    Host,
    /// <summary>Block files in a directory, bounded by their own byte budget; survives a restart.</summary>
    Disk,
}
