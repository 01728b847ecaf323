using MemServe.Workload.Generators;
using MemServe.Workload.Running;

namespace MemServe.Core.Tests.Workload;

public sealed class ArrivalAndLatencyTests
{
    [Fact]
    public void PoissonGapsAverageTheInverseRate()
    {
        var arrivals = new ArrivalProcess(seed: 1, ratePerSecond: 4);
        TimeSpan last = TimeSpan.Zero;
        for (int i = 0; i < 20_000; i++) last = arrivals.Next();

        Assert.InRange(last.TotalSeconds / 20_000, 0.24, 0.26);
    }

    [Fact]
    public void PercentilesUseNearestRank()
    {
        var samples = Enumerable.Range(1, 200).Select(i => TimeSpan.FromMilliseconds(i)).Reverse().ToList();

        LatencySummary summary = LatencySummary.Of(samples);

        Assert.Equal(100.5, summary.MeanMs, 6);
        Assert.Equal(100, summary.P50Ms, 6);
        Assert.Equal(198, summary.P99Ms, 6);
    }

    [Fact]
    public void TimePerOutputTokenExcludesTheFirstToken()
    {
        var record = new RequestRecord("s", 0, TimeSpan.Zero, 10, 0, 5, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromMilliseconds(100), record.TimePerOutputToken);
    }

    [Fact]
    public void PooledRunsAddRequestsMakespansAndCounts()
    {
        var record = new RequestRecord("s", 0, TimeSpan.Zero, 10, 5, 2, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.Zero);
        var first = new RunResult([record], TimeSpan.FromSeconds(1), 1, 0, false);
        var second = new RunResult([record, record], TimeSpan.FromSeconds(2), 0, 2, true);

        RunResult pooled = RunResult.Pool([first, second]);

        Assert.Equal(3, pooled.Records.Count);
        Assert.Equal(TimeSpan.FromSeconds(3), pooled.Makespan);
        Assert.Equal((1, 2, true), (pooled.FailedRequests, pooled.SkippedTurns, pooled.TimedOut));
    }
}
