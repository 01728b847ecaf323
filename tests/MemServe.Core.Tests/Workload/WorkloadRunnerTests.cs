using MemServe.Workload.Running;
using MemServe.Workload.Scripts;

namespace MemServe.Core.Tests.Workload;

public sealed class WorkloadRunnerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HistoryCarriesPromptAndAnswerIntoTheNextTurn()
    {
        var engine = new FakeEngine();
        var session = new SessionScript("chat", TimeSpan.Zero, CarriesHistory: true,
            [new TurnScript([10, 11], 3, TimeSpan.Zero), new TurnScript([20], 2, TimeSpan.Zero)]);

        await WorkloadRunner.RunAsync(engine, new WorkloadScript("w", "", [session]), 2048, Limit);

        int[][] prompts = [.. engine.Calls.Select(c => c.Prompt)];
        Assert.Equal([10, 11], prompts[0]);
        Assert.Equal([10, 11, 1, 2, 3, 20], prompts[1]);
    }

    [Fact]
    public async Task NextTurnStartsOnlyAfterThePreviousFinished()
    {
        var engine = new FakeEngine();
        var turns = Enumerable.Range(0, 4).Select(i => new TurnScript([100 + i], 2, TimeSpan.Zero)).ToList();
        WorkloadScript workload = new("w", "",
        [
            new SessionScript("a", TimeSpan.Zero, CarriesHistory: false, turns),
            new SessionScript("b", TimeSpan.Zero, CarriesHistory: false, turns),
        ]);

        RunResult result = await WorkloadRunner.RunAsync(engine, workload, 2048, Limit);

        Assert.Equal(8, result.Records.Count);
        foreach (string id in new[] { "a", "b" })
        {
            var mine = result.Records.Where(r => r.SessionId == id).OrderBy(r => r.Turn).ToList();
            for (int t = 1; t < mine.Count; t++)
                Assert.True(mine[t].SubmittedAt >= mine[t - 1].SubmittedAt + mine[t - 1].CompletionTime);
        }
    }

    [Fact]
    public async Task TurnThatWouldPassTheContextEndsTheSession()
    {
        var engine = new FakeEngine();
        var session = new SessionScript("long", TimeSpan.Zero, CarriesHistory: true,
            [new TurnScript(new int[6], 2, TimeSpan.Zero), new TurnScript(new int[6], 2, TimeSpan.Zero)]);

        RunResult result = await WorkloadRunner.RunAsync(engine, new WorkloadScript("w", "", [session]), 12, Limit);

        Assert.Single(result.Records);
        Assert.Equal(1, result.SkippedTurns);
    }

    [Fact]
    public async Task MetricsSumUsageAndHitRate()
    {
        var engine = new FakeEngine();
        var session = new SessionScript("s", TimeSpan.Zero, CarriesHistory: false,
            [new TurnScript(new int[10], 4, TimeSpan.Zero), new TurnScript(new int[30], 4, TimeSpan.Zero)]);

        RunMetrics metrics = RunMetrics.From(await WorkloadRunner.RunAsync(engine, new WorkloadScript("w", "", [session]), 2048, Limit));

        Assert.Equal(2, metrics.Requests);
        Assert.Equal(40, metrics.PromptTokens);
        Assert.Equal(20, metrics.CachedPromptTokens);
        Assert.Equal(0.5, metrics.HitRate, 6);
        Assert.Equal(8, metrics.OutputTokens);
    }
}
