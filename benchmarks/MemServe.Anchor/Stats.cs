namespace MemServe.Anchor;

/// <summary>Median, min and max of a handful of samples.</summary>
internal readonly record struct Stats(double Median, double Min, double Max)
{
    public static Stats Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new Stats(double.NaN, double.NaN, double.NaN);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[0], sorted[^1]);
    }
}
