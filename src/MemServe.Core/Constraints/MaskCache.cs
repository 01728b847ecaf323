using System.Collections.Concurrent;

namespace MemServe.Constraints;

/// <summary>
/// Allowed-token bitmaps of one (constraint, vocabulary) pair keyed by the recognizer state's 128-bit content key
/// (a hash of its grammar stacks; a collision is astronomically unlikely). Bounded twice: at
/// <see cref="MaxEntries"/> bitmaps this cache empties itself, and all caches of the process together hold at most
/// <see cref="ProcessBudgetBytes"/> (a cache that would pass it empties itself, and skips caching when that is not
/// enough). Thread-safe: lookups are lock-free, additions (the slow path after a trie walk) take a lock; cached
/// arrays are never mutated after they are added.
/// </summary>
internal sealed class MaskCache
{
    /// <summary>Bitmaps kept per (constraint, vocabulary): 512 × 19 KB ≈ 9.5 MB for a 152k vocabulary.</summary>
    public const int MaxEntries = 512;

    /// <summary>Bytes of bitmaps all caches of the process may hold together.</summary>
    public const long ProcessBudgetBytes = 256L << 20;

    private static long s_processBytes;
    private readonly ConcurrentDictionary<(ulong, ulong), ulong[]> _masks = new();
    private readonly Lock _lock = new();
    private long _bytes;

    ~MaskCache() => Interlocked.Add(ref s_processBytes, -_bytes);

    /// <summary>Bytes held by all mask caches of the process.</summary>
    public static long ProcessBytes => Interlocked.Read(ref s_processBytes);

    public int Count => _masks.Count;

    public bool TryGet((ulong, ulong) key, out ulong[] mask) => _masks.TryGetValue(key, out mask!);

    public void Add((ulong, ulong) key, ulong[] mask)
    {
        long bytes = mask.Length * sizeof(ulong);
        lock (_lock)
        {
            if (_masks.Count >= MaxEntries || Interlocked.Read(ref s_processBytes) + bytes > ProcessBudgetBytes)
                ClearLocked();
            if (Interlocked.Read(ref s_processBytes) + bytes > ProcessBudgetBytes)
                return;
            if (_masks.TryAdd(key, mask))
            {
                _bytes += bytes;
                Interlocked.Add(ref s_processBytes, bytes);
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
            ClearLocked();
    }

    private void ClearLocked()
    {
        _masks.Clear();
        Interlocked.Add(ref s_processBytes, -_bytes);
        _bytes = 0;
    }
}
