namespace MemServe.Workload.Running;

/// <summary>Mean, median and 99th percentile of a latency, in milliseconds. Immutable.</summary>
/// <param name="MeanMs">Arithmetic mean.</param>
/// <param name="P50Ms">Median (nearest rank).</param>
/// <param name="P99Ms">99th percentile (nearest rank: with fewer than 100 samples this is the maximum).</param>
internal sealed record LatencySummary(double MeanMs, double P50Ms, double P99Ms)
{
    /// <summary>All zeros, for a run without samples.</summary>
    public static LatencySummary Empty { get; } = new(0, 0, 0);

    /// <summary>Summarizes <paramref name="samples"/> (any order; the list is not changed).</summary>
    public static LatencySummary Of(IReadOnlyList<TimeSpan> samples)
    {
        if (samples.Count == 0) return Empty;
        var ms = new double[samples.Count];
        double sum = 0;
        for (int i = 0; i < ms.Length; i++) sum += ms[i] = samples[i].TotalMilliseconds;
        Array.Sort(ms);
        return new LatencySummary(sum / ms.Length, Percentile(ms, 0.50), Percentile(ms, 0.99));
    }

    /// <summary>Nearest-rank percentile of ascending <paramref name="sorted"/>: the smallest sample with at
    /// least a fraction <paramref name="quantile"/> of the samples at or below it.</summary>
    public static double Percentile(double[] sorted, double quantile)
    {
        if (sorted.Length == 0) return 0;
        int rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
