namespace MemServe.Core.Tests.Runner;

/// <summary>
/// Tests that allocate native memory run in this collection, one at a time and never alongside other
/// collections: <see cref="MemServe.Memory.NativeMemoryTracker"/> is process-wide, so leak checks (ours and
/// MemoryBudgetTests') would otherwise see each other's allocations.
/// </summary>
[CollectionDefinition(nameof(NativeMemoryCollection), DisableParallelization = true)]
public sealed class NativeMemoryCollection;
