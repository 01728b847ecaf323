namespace MemServe.Tokenization;

/// <summary>
/// How a splitting pre-tokenizer treats the delimiters it finds, as in Hugging Face tokenizers
/// ("behavior" of a Split pre-tokenizer).
/// </summary>
internal enum SplitBehavior
{
    /// <summary>Delimiters are dropped.</summary>
    Removed,

    /// <summary>Each delimiter becomes its own piece.</summary>
    Isolated,

    /// <summary>A delimiter is appended to the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>A delimiter is prepended to the piece after it.</summary>
    MergedWithNext,

    /// <summary>Runs of delimiters (and runs of non-delimiters) each become one piece.</summary>
    Contiguous,
}

/// <summary>Cuts one piece into parts given its delimiter matches and a <see cref="SplitBehavior"/>.</summary>
internal static class PieceSplitter
{
    /// <summary>
    /// Appends the non-empty parts of <paramref name="piece"/> to <paramref name="output"/>.
    /// <paramref name="matches"/> are the delimiter spans in order; with <paramref name="invert"/> the
    /// spans between them are the delimiters instead.
    /// </summary>
    public static void Split(string piece, List<(int Start, int Length)> matches, SplitBehavior behavior, bool invert, List<string> output)
    {
        var parts = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        int pos = 0;
        foreach (var (start, length) in matches)
        {
            if (start > pos)
                parts.Add((pos, start, invert));
            parts.Add((start, start + length, !invert));
            pos = start + length;
        }
        if (pos < piece.Length)
            parts.Add((pos, piece.Length, invert));

        var merged = new List<(int Start, int End, bool IsMatch)>(parts.Count);
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                merged = parts;
                break;
            case SplitBehavior.Removed:
                foreach (var p in parts)
                {
                    if (!p.IsMatch)
                        merged.Add(p);
                }
                break;
            case SplitBehavior.MergedWithPrevious:
                bool previousMatch = false;
                foreach (var p in parts)
                {
                    if (p.IsMatch && !previousMatch && merged.Count > 0)
                        merged[^1] = (merged[^1].Start, p.End, true);
                    else
                        merged.Add(p);
                    previousMatch = p.IsMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                bool nextMatch = false;
                for (int i = parts.Count - 1; i >= 0; i--)
                {
                    var p = parts[i];
                    if (p.IsMatch && !nextMatch && merged.Count > 0)
                        merged[^1] = (p.Start, merged[^1].End, true);
                    else
                        merged.Add(p);
                    nextMatch = p.IsMatch;
                }
                merged.Reverse();
                break;
            case SplitBehavior.Contiguous:
                foreach (var p in parts)
                {
                    if (merged.Count > 0 && merged[^1].IsMatch == p.IsMatch)
                        merged[^1] = (merged[^1].Start, p.End, p.IsMatch);
                    else
                        merged.Add(p);
                }
                break;
        }

        foreach (var p in merged)
        {
            if (p.End > p.Start)
                output.Add(p.Start == 0 && p.End == piece.Length ? piece : piece[p.Start..p.End]);
        }
    }
}
