namespace MemServe.Cluster;

/// <summary>
/// Predicts the time to move KV over one link: <c>t = latency + bytes / bandwidth</c>, fit by ridge least
/// squares from measured transfers toward the priors of <see cref="CostModelOptions"/>. Thread-safe.
/// </summary>
public sealed class TransferCostModel
{
    private const double ByteScale = 1e-6; // features in megabytes
    private readonly object _lock = new();
    private readonly LeastSquaresFit _fit;
    private double[] _theta;

    /// <summary>Starts from the priors in <paramref name="options"/>.</summary>
    public TransferCostModel(CostModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        double[] prior = [options.PriorTransferLatency.TotalSeconds, 1 / (options.PriorBandwidthBytesPerSecond * ByteScale)];
        _fit = new LeastSquaresFit(prior, options.PriorWeight, options.Forgetting);
        _theta = prior;
    }

    /// <summary>Current latency estimate.</summary>
    public TimeSpan Latency => TimeSpan.FromSeconds(Volatile.Read(ref _theta)[0]);

    /// <summary>Current bandwidth estimate, bytes per second.</summary>
    public double BandwidthBytesPerSecond
    {
        get
        {
            double perMegabyte = Volatile.Read(ref _theta)[1];
            return perMegabyte <= 0 ? double.PositiveInfinity : 1 / (perMegabyte * ByteScale);
        }
    }

    /// <summary>Predicted time to move <paramref name="bytes"/> bytes.</summary>
    public TimeSpan Predict(long bytes)
    {
        if (bytes <= 0) return TimeSpan.Zero;
        double[] t = Volatile.Read(ref _theta);
        return TimeSpan.FromSeconds(Math.Max(0, t[0] + t[1] * bytes * ByteScale));
    }

    /// <summary>Folds in one measured transfer.</summary>
    public void Observe(long bytes, TimeSpan elapsed)
    {
        if (bytes <= 0 || elapsed < TimeSpan.Zero) return;
        ReadOnlySpan<double> x = [1, bytes * ByteScale];
        lock (_lock)
        {
            _fit.Add(x, elapsed.TotalSeconds);
            Volatile.Write(ref _theta, _fit.Solve(nonNegative: true));
        }
    }
}
