namespace MemServe.Cluster;

/// <summary>
/// Ridge-regularised linear least squares over a few features, kept as running sums (XᵀX, Xᵀy), so memory
/// stays O(features²) however many observations arrive. The regulariser pulls the fit toward prior
/// coefficients with weight <c>priorWeight</c> (as that many pseudo-observations would): before any data the
/// fit is the prior, with plenty of data the data wins. An optional forgetting factor (&lt; 1) down-weights
/// old observations so the fit follows drift. Not thread-safe: the owner locks.
/// </summary>
internal sealed class LeastSquaresFit
{
    private readonly double[] _prior;
    private readonly double _priorWeight;
    private readonly double _forgetting;
    private readonly double[,] _xtx;
    private readonly double[] _xty;

    public LeastSquaresFit(double[] prior, double priorWeight, double forgetting = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(priorWeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(forgetting);
        _prior = (double[])prior.Clone();
        _priorWeight = priorWeight;
        _forgetting = forgetting;
        _xtx = new double[prior.Length, prior.Length];
        _xty = new double[prior.Length];
    }

    /// <summary>Observations folded in.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one observation <paramref name="y"/> ≈ θ·<paramref name="x"/>.</summary>
    public void Add(ReadOnlySpan<double> x, double y)
    {
        int n = _prior.Length;
        for (int i = 0; i < n; i++)
        {
            _xty[i] = _xty[i] * _forgetting + x[i] * y;
            for (int j = 0; j < n; j++) _xtx[i, j] = _xtx[i, j] * _forgetting + x[i] * x[j];
        }
        Count++;
    }

    /// <summary>Solves (XᵀX + λI)θ = Xᵀy + λ·prior. With <paramref name="nonNegative"/>, a coefficient that comes out
    /// negative is pinned to 0 and the rest re-solved, most negative first (a small active-set approximation of
    /// non-negative least squares; costs are sums of non-negative terms).</summary>
    public double[] Solve(bool nonNegative = false)
    {
        int n = _prior.Length;
        var pinned = new bool[n];
        while (true)
        {
            double[] theta = SolvePinned(pinned);
            if (!nonNegative) return theta;
            int worst = -1;
            for (int i = 0; i < n; i++)
                if (!pinned[i] && theta[i] < 0 && (worst < 0 || theta[i] < theta[worst])) worst = i;
            if (worst < 0) return theta;
            pinned[worst] = true;
        }
    }

    private double[] SolvePinned(bool[] pinned)
    {
        int n = _prior.Length;
        var a = new double[n, n + 1];
        for (int i = 0; i < n; i++)
        {
            if (pinned[i])
            {
                a[i, i] = 1; // θ_i = 0
                continue;
            }
            for (int j = 0; j < n; j++) a[i, j] = pinned[j] ? 0 : _xtx[i, j] + (i == j ? _priorWeight : 0);
            a[i, n] = _xty[i] + _priorWeight * _prior[i];
        }
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            for (int c = 0; c <= n; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int c = col; c <= n; c++) a[r, c] -= f * a[col, c];
            }
        }
        var theta = new double[n];
        for (int i = 0; i < n; i++) theta[i] = a[i, n] / a[i, i];
        return theta;
    }
}
