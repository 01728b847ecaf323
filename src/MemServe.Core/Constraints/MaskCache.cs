using System.Collections.Concurrent;

namespace MemServe.Constraints;

/// <summary>
/// Allowed-token bitmaps of one (constraint, vocabulary) pair keyed by the recognizer state's 128-bit content key
/// (a hash of its grammar stacks; a collision is astronomically unlikely). Bounded: when
/// <see cref="MaxEntries"/> is reached the cache is emptied and refills. Thread-safe; cached arrays are never
/// mutated after they are added.
/// </summary>
internal sealed class MaskCache
{
    /// <summary>Bitmaps kept per (constraint, vocabulary): 1024 × 19 KB for a 152k vocabulary.</summary>
    public const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<(ulong, ulong), ulong[]> _masks = new();

    public int Count => _masks.Count;

    public bool TryGet((ulong, ulong) key, out ulong[] mask) => _masks.TryGetValue(key, out mask!);

    public void Add((ulong, ulong) key, ulong[] mask)
    {
        if (_masks.Count >= MaxEntries)
            _masks.Clear();
        _masks.TryAdd(key, mask);
    }
}
