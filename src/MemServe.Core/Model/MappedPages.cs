using System.Runtime.InteropServices;

namespace MemServe.Model;

/// <summary>
/// A tensor source whose tensors lie in read-only file mappings (<see cref="SafetensorsCheckpoint"/>): a runner that
/// keeps its own copy of a matrix may drop the process's pages of the original (<see cref="MappedPages.Release"/>), and a
/// later read simply faults them back in from the file.
/// </summary>
internal interface IMappedTensorSource
{
}

/// <summary>Drops this process's resident pages of a read-only file mapping, so a converted or packed copy of the weights
/// replaces the mapped original in memory instead of adding to it.</summary>
internal static partial class MappedPages
{
    private const int MadvDontNeed = 4; // Linux <sys/mman.h>

    /// <summary>Drops the whole pages inside [<paramref name="start"/>, start + <paramref name="bytes"/>) of a read-only
    /// file mapping from this process's resident set (Linux <c>madvise(MADV_DONTNEED)</c>; elsewhere nothing). The bytes
    /// stay readable: a later access reads them from the page cache or the file. Best effort: a failure leaves the
    /// pages resident.</summary>
    public static unsafe void Release(void* start, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes <= 0) return;
        long page = Environment.SystemPageSize;
        long first = ((long)start + page - 1) & ~(page - 1), end = ((long)start + bytes) & ~(page - 1);
        if (end > first) _ = Madvise((nint)first, (nuint)(end - first), MadvDontNeed);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
