namespace MemServe.Constraints;

/// <summary>
/// Compiles character sets (code-point ranges) into byte DFAs that share one transition table, so the matcher
/// consumes UTF-8 one byte at a time (tokens may end mid-character). Identical sets share one DFA. Not thread-safe;
/// used once per compilation.
/// </summary>
internal sealed class Utf8DfaBuilder
{
    private readonly List<int> _next = [];
    private readonly Dictionary<string, int> _starts = new(StringComparer.Ordinal);

    /// <summary>The start state of the DFA for <paramref name="ranges"/> (normalized code-point pairs).</summary>
    public int StartState(int[] ranges)
    {
        string key = string.Join(',', ranges);
        if (_starts.TryGetValue(key, out int start))
            return start;
        var sequences = new List<(byte Lo, byte Hi)[]>();
        for (int i = 0; i < ranges.Length; i += 2)
            CodePointRanges.Utf8Sequences(ranges[i], ranges[i + 1], sequences);

        // Subset construction over (sequence, byte offset) items; states are keyed by their item lists.
        var states = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new Queue<(int State, List<(int Seq, int Offset)> Items)>();
        var initial = new List<(int, int)>();
        for (int s = 0; s < sequences.Count; s++)
            initial.Add((s, 0));
        start = NewState(initial);
        while (pending.Count > 0)
        {
            var (state, items) = pending.Dequeue();
            for (int b = 0; b < 256; b++)
            {
                var moved = new List<(int, int)>();
                bool accepted = false;
                foreach (var (seq, offset) in items)
                {
                    var (lo, hi) = sequences[seq][offset];
                    if (b < lo || b > hi)
                        continue;
                    if (offset + 1 == sequences[seq].Length)
                        accepted = true;
                    else
                        moved.Add((seq, offset + 1));
                }
                _next[state * 256 + b] = accepted ? CompiledGrammar.Accept : moved.Count == 0 ? CompiledGrammar.Dead : NewState(moved);
            }
        }
        _starts[key] = start;
        return start;

        int NewState(List<(int Seq, int Offset)> items)
        {
            string itemKey = string.Join(';', items);
            if (states.TryGetValue(itemKey, out int id))
                return id;
            id = _next.Count / 256;
            for (int i = 0; i < 256; i++)
                _next.Add(CompiledGrammar.Dead);
            states[itemKey] = id;
            pending.Enqueue((id, items));
            return id;
        }
    }

    /// <summary>The shared transition table (states × 256).</summary>
    public int[] Build() => [.. _next];
}
