namespace MemServe.Cluster;

/// <summary>
/// Predicts one instance's prefill time from measurements: <c>t = overhead + a·n + b·(n·c + n²/2)</c> for
/// n new tokens after c cached ones, the linear term for the GEMMs and the quadratic term for attention
/// (each new token attends to the cached prefix and to the new tokens before it). The three coefficients are
/// fit by ridge least squares toward the priors of <see cref="CostModelOptions"/> and kept non-negative (a negative term is pinned to 0 and the rest re-fit).
/// Thread-safe.
/// </summary>
public sealed class PrefillCostModel
{
    private const double TokenScale = 1e-3;  // features in thousands of tokens
    private const double PairScale = 1e-6;   // and millions of pairs, so the normal equations are well scaled
    private readonly object _lock = new();
    private readonly LeastSquaresFit _fit;
    private double[] _theta;

    /// <summary>Starts from the priors in <paramref name="options"/>.</summary>
    public PrefillCostModel(CostModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        double[] prior = [options.PriorPrefillOverhead.TotalSeconds, 1 / (options.PriorPrefillTokensPerSecond * TokenScale),
            options.PriorSecondsPerAttentionPair / PairScale];
        _fit = new LeastSquaresFit(prior, options.PriorWeight, options.Forgetting);
        _theta = prior;
    }

    /// <summary>Measurements folded in.</summary>
    public int Observations
    {
        get { lock (_lock) return _fit.Count; }
    }

    /// <summary>Current coefficients: fixed seconds, seconds per new token, seconds per attention pair.</summary>
    public (double OverheadSeconds, double SecondsPerToken, double SecondsPerPair) Coefficients
    {
        get
        {
            double[] t = Volatile.Read(ref _theta);
            return (t[0], t[1] * TokenScale, t[2] * PairScale);
        }
    }

    /// <summary>Predicted time to prefill <paramref name="newTokens"/> tokens after <paramref name="cachedTokens"/> cached ones.</summary>
    public TimeSpan Predict(int newTokens, int cachedTokens)
    {
        if (newTokens <= 0) return TimeSpan.Zero;
        Span<double> x = stackalloc double[3];
        Features(newTokens, cachedTokens, x);
        double[] t = Volatile.Read(ref _theta);
        return TimeSpan.FromSeconds(Math.Max(0, t[0] * x[0] + t[1] * x[1] + t[2] * x[2]));
    }

    /// <summary>Folds in one measured prefill.</summary>
    public void Observe(int newTokens, int cachedTokens, TimeSpan elapsed)
    {
        if (newTokens <= 0 || elapsed < TimeSpan.Zero) return;
        Span<double> x = stackalloc double[3];
        Features(newTokens, cachedTokens, x);
        lock (_lock)
        {
            _fit.Add(x, elapsed.TotalSeconds);
            Volatile.Write(ref _theta, _fit.Solve(nonNegative: true));
        }
    }

    private static void Features(int newTokens, int cachedTokens, Span<double> x)
    {
        double n = newTokens;
        x[0] = 1;
        x[1] = n * TokenScale;
        x[2] = (n * Math.Max(0, cachedTokens) + n * n / 2) * PairScale;
    }
}
