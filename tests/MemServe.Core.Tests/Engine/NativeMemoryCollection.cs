namespace MemServe.Core.Tests.Engine;

/// <summary>Tests that compare <see cref="Memory.NativeMemoryTracker.LiveBytes"/> before and after run
/// alone, so other tests' allocations do not blur the count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemoryCollection
{
    public const string Name = "Native memory accounting";
}
