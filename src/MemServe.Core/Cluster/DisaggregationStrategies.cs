namespace MemServe.Cluster;

/// <summary>The built-in <see cref="IDisaggregationStrategy"/> names (MemServe §3) and a factory.</summary>
public static class DisaggregationStrategies
{
    /// <summary>Prefill and decode on one colocated instance, with that instance's own prefix cache.</summary>
    public const string Colocated = "colocated";

    /// <summary>The prefill instance computes the whole prompt and the first token and ships all the KV to a
    /// decode instance; neither caches (DistServe/Splitwise style).</summary>
    public const string PdBasic = "pd-basic";

    /// <summary>The prefill side caches: a later prompt sharing a prefix prefills only the new part there; the
    /// whole prompt KV is still shipped every time.</summary>
    public const string PdCaching1 = "pd-caching-1";

    /// <summary>Also the decode side caches (transfer-with-insert): the decode instance keeps the prompt's blocks
    /// and its output's, and later turns ship only the blocks it lacks.</summary>
    public const string PdCaching2 = "pd-caching-2";

    /// <summary>Also the decode instance sends the generated tokens' KV back to the prefill instance when the
    /// request ends, so both sides' reuse grows with every turn.</summary>
    public const string PdCaching3 = "pd-caching-3";

    /// <summary>Every built-in name.</summary>
    public static IReadOnlyList<string> Names { get; } = [Colocated, PdBasic, PdCaching1, PdCaching2, PdCaching3];

    /// <summary>Creates the built-in strategy <paramref name="name"/> (case-insensitive).</summary>
    public static IDisaggregationStrategy Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            Colocated => new ColocatedStrategy(),
            PdBasic => new PdStrategy(PdBasic, 0),
            PdCaching1 => new PdStrategy(PdCaching1, 1),
            PdCaching2 => new PdStrategy(PdCaching2, 2),
            PdCaching3 => new PdStrategy(PdCaching3, 3),
            _ => throw new ArgumentException(
                $"Unknown disaggregation strategy '{name}'; built-ins are {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
