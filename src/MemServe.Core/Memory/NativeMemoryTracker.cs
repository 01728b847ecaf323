namespace MemServe.Memory;

/// <summary>
/// Process-wide count of native bytes MemServe holds (allocations and memory maps). Leak tests read
/// <see cref="LiveBytes"/> before creating an engine and after disposing it. Thread-safe.
/// </summary>
public static class NativeMemoryTracker
{
    private static long s_liveBytes;
    private static long s_liveAllocations;

    /// <summary>Native bytes currently held.</summary>
    public static long LiveBytes => Interlocked.Read(ref s_liveBytes);

    /// <summary>Native allocations currently held.</summary>
    public static long LiveAllocations => Interlocked.Read(ref s_liveAllocations);

    internal static void OnAllocated(long bytes)
    {
        Interlocked.Add(ref s_liveBytes, bytes);
        Interlocked.Increment(ref s_liveAllocations);
    }

    internal static void OnFreed(long bytes)
    {
        Interlocked.Add(ref s_liveBytes, -bytes);
        Interlocked.Decrement(ref s_liveAllocations);
    }
}
