namespace MemServe.Constraints;

/// <summary>
/// A parsed grammar before compilation: rules of alternatives of items, where an item is a rule reference or one
/// character from a set of code-point ranges. Groups and repetitions are already desugared into helper rules.
/// Mutable while <see cref="GbnfParser"/> fills it; read-only afterwards.
/// </summary>
internal sealed class GrammarRules
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public List<string> Names { get; } = [];

    /// <summary>rule → alternatives; null until the rule is defined.</summary>
    public List<List<GrammarItem[]>?> Bodies { get; } = [];

    /// <summary>rule → (line, column) of its first reference, for "undefined rule" errors.</summary>
    public List<(int Line, int Column)> FirstUse { get; } = [];

    /// <summary>rule → (line, column) of its definition; (0, 0) for helper rules.</summary>
    public List<(int Line, int Column)> DefinedAt { get; } = [];

    /// <summary>The id of <paramref name="name"/>, adding an undefined rule if it is new.</summary>
    public int Id(string name, int line, int column)
    {
        if (_ids.TryGetValue(name, out int id))
            return id;
        id = Names.Count;
        _ids[name] = id;
        Names.Add(name);
        Bodies.Add(null);
        FirstUse.Add((line, column));
        DefinedAt.Add((0, 0));
        return id;
    }

    public bool TryGetId(string name, out int id) => _ids.TryGetValue(name, out id);

    /// <summary>Adds a helper rule named <paramref name="name"/>-N with the given body.</summary>
    public int AddHelper(string name, List<GrammarItem[]> body)
    {
        string helper = $"{name}-{Names.Count}";
        while (_ids.ContainsKey(helper))
            helper += "_";
        int id = Id(helper, 0, 0);
        Bodies[id] = body;
        return id;
    }
}

/// <summary>One grammar item: a rule reference (<see cref="Rule"/> ≥ 0) or one character in <see cref="Ranges"/>
/// (sorted, disjoint, inclusive code-point pairs lo0, hi0, lo1, hi1, ...).</summary>
internal readonly record struct GrammarItem(int Rule, int[]? Ranges)
{
    public static GrammarItem Ref(int rule) => new(rule, null);

    public static GrammarItem Chars(int[] ranges) => new(-1, ranges);
}
