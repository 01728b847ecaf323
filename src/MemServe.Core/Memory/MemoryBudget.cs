using System.Diagnostics;

namespace MemServe.Memory;

/// <summary>
/// The byte budget of one engine instance. Weights, KV blocks and scratch buffers are charged
/// against it before they are allocated and released when freed, so an instance never holds more
/// than <see cref="LimitBytes"/>. Thread-safe.
/// </summary>
public sealed class MemoryBudget
{
    private readonly long[] _used = new long[3];
    private readonly Lock _lock = new();

    /// <summary>Creates a budget of <paramref name="limitBytes"/> bytes.</summary>
    public MemoryBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        LimitBytes = limitBytes;
    }

    /// <summary>The most bytes this budget allows in total.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes charged in all categories.</summary>
    public long UsedBytes
    {
        get { lock (_lock) return _used[0] + _used[1] + _used[2]; }
    }

    /// <summary>Bytes still available.</summary>
    public long AvailableBytes => LimitBytes - UsedBytes;

    /// <summary>Bytes charged to one category.</summary>
    public long UsedBy(MemoryCategory category)
    {
        lock (_lock) return _used[(int)category];
    }

    /// <summary>Charges <paramref name="bytes"/>; throws <see cref="MemoryBudgetExceededException"/> naming
    /// <paramref name="what"/> when the budget would be exceeded (nothing is charged then).</summary>
    public void Charge(MemoryCategory category, long bytes, string what)
    {
        if (!TryCharge(category, bytes))
        {
            throw new MemoryBudgetExceededException(
                $"Memory budget exceeded: {what} needs {Format(bytes)} ({category}) but only {Format(AvailableBytes)} " +
                $"of the {Format(LimitBytes)} budget is free (weights {Format(UsedBy(MemoryCategory.Weights))}, " +
                $"KV cache {Format(UsedBy(MemoryCategory.KvCache))}, scratch {Format(UsedBy(MemoryCategory.Scratch))}).");
        }
    }

    /// <summary>Charges <paramref name="bytes"/> if they fit; returns false (charging nothing) otherwise.</summary>
    public bool TryCharge(MemoryCategory category, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            long used = _used[0] + _used[1] + _used[2];
            if (used + bytes > LimitBytes) return false;
            _used[(int)category] += bytes;
            return true;
        }
    }

    /// <summary>Returns bytes charged earlier to <paramref name="category"/>.</summary>
    public void Release(MemoryCategory category, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            _used[(int)category] -= bytes;
            Debug.Assert(_used[(int)category] >= 0, "released more than was charged");
        }
    }

    /// <summary>Formats a byte count for messages (e.g. "12.5 MiB").</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.##} KiB",
        _ => $"{bytes} B",
    };
}
