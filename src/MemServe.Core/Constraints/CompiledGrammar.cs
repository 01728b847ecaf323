namespace MemServe.Constraints;

/// <summary>
/// A grammar flattened for the matcher. <see cref="Elements"/> holds every alternative as a run of elements ending
/// in <see cref="End"/>: an element ≥ 0 is a terminal (one character) given as the start state of its byte DFA in
/// <see cref="Next"/>; an element ≤ −2 references rule <c>−2 − element</c>. Position 0 is the synthetic start
/// <c>root End</c>. Immutable and thread-safe after <see cref="Compile"/>.
/// </summary>
internal sealed class CompiledGrammar
{
    public const int End = -1;
    public const int Dead = -1;
    public const int Accept = -2;

    private CompiledGrammar(int[] elements, int[][] alternatives, int[] next, string[] names)
    {
        Elements = elements;
        Alternatives = alternatives;
        Next = next;
        RuleNames = names;
    }

    /// <summary>(positions) element per grammar position.</summary>
    public int[] Elements { get; }

    /// <summary>rule → start positions of its alternatives.</summary>
    public int[][] Alternatives { get; }

    /// <summary>(dfaStates × 256) next DFA state per byte: ≥ 0 a state, <see cref="Dead"/>, or <see cref="Accept"/>
    /// (the character is complete; UTF-8 is prefix-free, so an accepted character never continues).</summary>
    public int[] Next { get; }

    public string[] RuleNames { get; }

    /// <summary>Checks references and left recursion and flattens <paramref name="rules"/>, starting at <paramref name="root"/>.</summary>
    public static CompiledGrammar Compile(GrammarRules rules, string root)
    {
        for (int r = 0; r < rules.Names.Count; r++)
        {
            if (rules.Bodies[r] is null)
            {
                var (line, column) = rules.FirstUse[r];
                throw ConstraintCompileException.Grammar(line, column, $"rule '{rules.Names[r]}' is not defined");
            }
        }
        if (!rules.TryGetId(root, out int rootId))
            throw ConstraintCompileException.Grammar(1, 1, $"the grammar has no rule '{root}'");
        RejectLeftRecursion(rules);

        var dfa = new Utf8DfaBuilder();
        var elements = new List<int> { -2 - rootId, End };
        var alternatives = new int[rules.Names.Count][];
        for (int r = 0; r < rules.Names.Count; r++)
        {
            var body = rules.Bodies[r]!;
            alternatives[r] = new int[body.Count];
            for (int a = 0; a < body.Count; a++)
            {
                alternatives[r][a] = elements.Count;
                foreach (var item in body[a])
                    elements.Add(item.Ranges is { } ranges ? dfa.StartState(ranges) : -2 - item.Rule);
                elements.Add(End);
            }
        }
        return new CompiledGrammar([.. elements], alternatives, dfa.Build(), [.. rules.Names]);
    }

    /// <summary>Where rule <paramref name="r"/> is defined; a helper rule (<c>name-N</c>) reports its parent rule.</summary>
    private static (int Line, int Column) DefinitionOf(GrammarRules rules, int r)
    {
        string name = rules.Names[r];
        while (rules.DefinedAt[r] == (0, 0) && name.LastIndexOf('-') is > 0 and int dash)
        {
            name = name[..dash];
            if (rules.TryGetId(name, out int parent))
                r = parent;
        }
        return rules.DefinedAt[r];
    }

    private static void RejectLeftRecursion(GrammarRules rules)
    {
        int n = rules.Names.Count;
        var nullable = new bool[n];
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int r = 0; r < n; r++)
            {
                if (nullable[r])
                    continue;
                foreach (var alt in rules.Bodies[r]!)
                {
                    bool all = true;
                    foreach (var item in alt)
                        all &= item.Ranges is null && nullable[item.Rule];
                    if (all)
                    {
                        nullable[r] = changed = true;
                        break;
                    }
                }
            }
        }
        // Left corners: rules that can start a rule without consuming input.
        var corners = new List<int>[n];
        for (int r = 0; r < n; r++)
        {
            corners[r] = [];
            foreach (var alt in rules.Bodies[r]!)
            {
                foreach (var item in alt)
                {
                    if (item.Ranges is not null)
                        break;
                    corners[r].Add(item.Rule);
                    if (!nullable[item.Rule])
                        break;
                }
            }
        }
        var color = new byte[n]; // 0 new, 1 on the path, 2 done
        for (int r = 0; r < n; r++)
            Visit(r);

        void Visit(int r)
        {
            if (color[r] == 2)
                return;
            if (color[r] == 1)
            {
                var (line, column) = DefinitionOf(rules, r);
                throw ConstraintCompileException.Grammar(line, column,
                    $"rule '{rules.Names[r]}' is left-recursive (it can reach itself without consuming input); rewrite it with repetition");
            }
            color[r] = 1;
            foreach (int c in corners[r])
                Visit(c);
            color[r] = 2;
        }
    }
}
