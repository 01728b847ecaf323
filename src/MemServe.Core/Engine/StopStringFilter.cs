using System.Text;

namespace MemServe.Engine;

/// <summary>
/// Holds back streamed text while its end could still be the start of a stop string, so a partial stop
/// string is never emitted, and cuts the output right before a stop string once one appears. Text held
/// back is always the longest suffix that is a prefix of some stop string, so a stop string can only
/// ever begin inside the held text. Not thread-safe.
/// </summary>
internal sealed class StopStringFilter
{
    private readonly string[] _stops;
    private readonly StringBuilder _held = new();

    public StopStringFilter(IReadOnlyList<string> stopStrings)
    {
        _stops = new string[stopStrings.Count];
        for (int i = 0; i < _stops.Length; i++) _stops[i] = stopStrings[i];
    }

    /// <summary>True once a stop string was found; everything after it is dropped.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds <paramref name="text"/> and returns the text that can no longer be part of a stop string.</summary>
    public string Push(string text)
    {
        if (Stopped || (text.Length == 0 && _held.Length == 0)) return string.Empty;
        _held.Append(text);
        string all = _held.ToString();

        int stopAt = -1;
        foreach (string stop in _stops)
        {
            int at = all.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
        }
        if (stopAt >= 0)
        {
            Stopped = true;
            _held.Clear();
            return all[..stopAt];
        }

        int hold = 0;
        foreach (string stop in _stops) hold = Math.Max(hold, LongestSuffixPrefix(all, stop));
        _held.Clear();
        _held.Append(all, all.Length - hold, hold);
        return hold == 0 ? all : all[..^hold];
    }

    /// <summary>Returns the held text at the end of generation (it can no longer complete a stop string).</summary>
    public string Flush()
    {
        if (Stopped) return string.Empty;
        string held = _held.ToString();
        _held.Clear();
        return held;
    }

    // Longest k < stop.Length such that text ends with stop[..k].
    private static int LongestSuffixPrefix(string text, string stop)
    {
        for (int k = Math.Min(stop.Length - 1, text.Length); k > 0; k--)
        {
            if (text.AsSpan(text.Length - k).SequenceEqual(stop.AsSpan(0, k))) return k;
        }
        return 0;
    }
}
