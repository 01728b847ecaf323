namespace MemServe.Workload.Generators;

/// <summary>
/// Poisson session arrivals and exponential think times from a seeded generator: deterministic for a seed.
/// Not thread-safe.
/// </summary>
internal sealed class ArrivalProcess
{
    private readonly Random _random;
    private readonly double _ratePerSecond;
    private TimeSpan _now;

    /// <summary>Sessions arrive at <paramref name="ratePerSecond"/> on average (exponential gaps);
    /// <see cref="double.PositiveInfinity"/> puts every session at time zero.</summary>
    public ArrivalProcess(int seed, double ratePerSecond)
    {
        if (!(ratePerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "rate must be positive");
        _random = new Random(seed);
        _ratePerSecond = ratePerSecond;
    }

    /// <summary>The next arrival time; the first is after one gap, not at zero.</summary>
    public TimeSpan Next()
    {
        if (double.IsPositiveInfinity(_ratePerSecond)) return _now;
        _now += TimeSpan.FromSeconds(Exponential(1 / _ratePerSecond));
        return _now;
    }

    /// <summary>An exponential pause with mean <paramref name="mean"/> (zero stays zero).</summary>
    public TimeSpan Think(TimeSpan mean) =>
        mean <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Exponential(mean.TotalSeconds));

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());
}
