namespace MemServe.Workload.Setups;

/// <summary>Every setup the harness knows, by matrix, and selection by name or matrix.</summary>
internal static class SetupCatalog
{
    /// <summary>Matrices in the order their tables are printed.</summary>
    public static IReadOnlyList<string> Matrices { get; } = ["single", "disaggregation", "routing"];

    /// <summary>All setups.</summary>
    public static IEnumerable<EngineSetup> All(SetupContext context, int seed) =>
        SingleEngineSetups.All(context).Concat(ClusterSetups.All(context, seed));

    /// <summary>The setups named in <paramref name="names"/> (a setup's name or a matrix's); all when empty.</summary>
    public static IReadOnlyList<EngineSetup> Select(SetupContext context, int seed, IReadOnlyList<string> names)
    {
        var known = new List<EngineSetup>(All(context, seed));
        if (names.Count == 0) return known;
        var chosen = new List<EngineSetup>();
        foreach (string name in names)
        {
            int before = chosen.Count;
            foreach (EngineSetup setup in known)
                if ((setup.Name == name || setup.Matrix == name) && !chosen.Contains(setup)) chosen.Add(setup);
            if (chosen.Count == before)
                throw new ArgumentException($"unknown setup '{name}' (known: {string.Join(", ", known.Select(s => s.Name))}, or a matrix: {string.Join(", ", Matrices)})");
        }
        return chosen;
    }
}
