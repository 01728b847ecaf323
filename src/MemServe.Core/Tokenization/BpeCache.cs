using System.Collections.Concurrent;

namespace MemServe.Tokenization;

/// <summary>
/// Bounded, thread-safe memo of BPE results per pre-token word. Once <see cref="Capacity"/> entries are
/// stored, new words are no longer added (existing ones keep hitting); words longer than
/// <see cref="MaxWordLength"/> are never stored, so memory stays bounded whatever the input.
/// Stored arrays are shared and must not be mutated by callers.
/// </summary>
internal sealed class BpeCache
{
    /// <summary>Most words kept.</summary>
    public const int Capacity = 16_384;

    /// <summary>Longest word (UTF-16 units) that is cached.</summary>
    public const int MaxWordLength = 128;

    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Looks up a previously stored result.</summary>
    public bool TryGet(string word, out int[] ids)
    {
        if (word.Length <= MaxWordLength && _entries.TryGetValue(word, out var found))
        {
            ids = found;
            return true;
        }
        ids = [];
        return false;
    }

    /// <summary>Stores a result if the word is short enough and the cache is not full.</summary>
    public void Add(string word, int[] ids)
    {
        if (word.Length > MaxWordLength || Volatile.Read(ref _count) >= Capacity)
            return;
        if (_entries.TryAdd(word, ids))
            Interlocked.Increment(ref _count);
    }
}
