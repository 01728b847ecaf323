using MemServe.Cluster;

namespace MemServe.Core.Tests.Cluster;

public class RoutingPolicyTests
{
    private static readonly int[] Prompt = Enumerable.Range(0, 1024).ToArray();

    private static readonly CostModelOptions Costs = new()
    {
        KvBytesPerToken = 100_000,
        PriorPrefillTokensPerSecond = 1000, // 1 s per 1,000 tokens
        PriorPrefillOverhead = TimeSpan.Zero,
        PriorSecondsPerAttentionPair = 0,
    };

    [Fact]
    public void EveryBuiltInIsCreatedByName()
    {
        foreach (string name in RoutingPolicies.Names) Assert.Equal(name, RoutingPolicies.Create(name).Name);
        Assert.Throws<ArgumentException>(() => RoutingPolicies.Create("fastest"));
    }

    [Fact]
    public void RoundRobinTakesCandidatesInTurn()
    {
        FakeInstance[] instances = [new("a"), new("b"), new("c")];
        GlobalRouter router = Router(RoutingPolicies.RoundRobin);

        string[] picks = Enumerable.Range(0, 4).Select(_ => router.Route(new RoutingRequest(Prompt), instances).Decision.Target.Id).ToArray();

        Assert.Equal(["a", "b", "c", "a"], picks);
    }

    [Fact]
    public void LoadIsCountedAtDispatchSoABurstSpreads()
    {
        FakeInstance[] instances = [new("a"), new("b")];
        GlobalRouter router = Router(RoutingPolicies.LeastLoaded);

        RoutedRequest[] burst = Enumerable.Range(0, 4).Select(_ => router.Route(new RoutingRequest(Prompt), instances)).ToArray();

        Assert.Equal(2, router.Ledger.InFlight("a"));
        Assert.Equal(2, router.Ledger.InFlight("b"));
        router.Completed(burst[0]);
        router.Completed(burst[0]); // idempotent
        Assert.Equal(3, router.Ledger.InFlight("a") + router.Ledger.InFlight("b"));
    }

    [Theory]
    [InlineData(0, "a")]
    [InlineData(1, "b")]
    public void TiesBreakThroughTheInjectedRandom(int draw, string expected)
    {
        FakeInstance[] instances = [new("a"), new("b")];
        GlobalRouter router = Router(RoutingPolicies.PromptTree, random: new FixedRandom(draw));

        Assert.Equal(expected, router.Route(new RoutingRequest(Prompt), instances).Decision.Target.Id);
    }

    [Fact]
    public void SessionAffinitySticksUntilTheInstanceIsUnhealthy()
    {
        FakeInstance a = new("a"), b = new("b");
        FakeInstance[] instances = [a, b];
        GlobalRouter router = Router(RoutingPolicies.SessionAffinity, random: new FixedRandom(0));

        string first = router.Route(new RoutingRequest(Prompt, "s1"), instances).Decision.Target.Id;
        string second = router.Route(new RoutingRequest(Prompt, "s1"), instances).Decision.Target.Id; // despite a's load
        a.IsHealthy = false;
        string third = router.Route(new RoutingRequest(Prompt, "s1"), instances).Decision.Target.Id;

        Assert.Equal(("a", "a", "b"), (first, second, third));
    }

    [Fact]
    public void PromptTreePicksTheInstanceHoldingThePrefix()
    {
        FakeInstance[] instances = [new("a"), new("b"), new("c")];
        GlobalRouter router = Router(RoutingPolicies.PromptTree);
        router.Tree.InsertTokens("b", Prompt.AsSpan(0, 768));

        RoutingDecision decision = router.Route(new RoutingRequest(Prompt), instances).Decision;

        Assert.Equal("b", decision.Target.Id);
        Assert.Equal(768, decision.CachedTokens);
        Assert.Null(decision.Move);
    }

    [Fact]
    public void PromptTreeLeavesTheCachedInstanceWhenItsQueueIsLong()
    {
        FakeInstance[] instances = [new("a"), new("b")];
        GlobalRouter router = Router(RoutingPolicies.PromptTree, new RoutingPolicyOptions { AllowKvMoves = false });
        router.Tree.InsertTokens("a", Prompt.AsSpan(0, 512));
        router.Ledger.Dispatch("a", TimeSpan.FromSeconds(30)); // a long prefill queued on a

        RoutingDecision decision = router.Route(new RoutingRequest(Prompt), instances).Decision;

        Assert.Equal("b", decision.Target.Id); // 1.024 s of recompute beats 30 s + 0.512 s of waiting
    }

    [Fact]
    public void AMissGoesToTheLeastLoadedNotTheEmptiestCache()
    {
        FakeInstance a = new("a"), b = new("b"), c = new("c");
        GlobalRouter router = Router(RoutingPolicies.PromptTree);
        router.Tree.InsertTokens("a", Enumerable.Range(5000, 64).ToArray()); // a caches something else
        router.Ledger.Dispatch("b", TimeSpan.FromSeconds(2));
        c.Load = new InstanceLoad(RunningRequests: 3, WaitingRequests: 0, QueuedPrefillTokens: 0, KvUsage: 0.1);
        router.Ledger.Dispatch("a", TimeSpan.FromSeconds(1));

        RoutingDecision decision = router.Route(new RoutingRequest(Prompt), [a, b, c]).Decision;

        Assert.Equal("c", decision.Target.Id); // no queued prefill on c; its decode load does not delay a prefill
        Assert.Equal(0, decision.CachedTokens);
    }

    [Fact]
    public void KvIsMovedWhenTheTransferIsCheaperThanTheRecompute()
    {
        GlobalRouter router = BusyHolderRouter(bandwidthBytesPerSecond: 1e11); // 1,024 tokens = 0.1 GB: 1 ms

        RoutingDecision decision = router.Route(new RoutingRequest(Prompt), [new FakeInstance("a"), new FakeInstance("b")]).Decision;

        Assert.Equal("b", decision.Target.Id);
        Assert.NotNull(decision.Move);
        Assert.Equal(("a", 0, 1024), (decision.Move.SourceInstanceId, decision.Move.FromToken, decision.Move.ToToken));
        Assert.True(decision.Move.TransferTime <= decision.Move.PrefillSaved);
        Assert.Equal(1024, decision.CachedTokens);
    }

    [Fact]
    public void KvIsRecomputedWhenTheTransferIsSlowerThanTheRecompute()
    {
        GlobalRouter router = BusyHolderRouter(bandwidthBytesPerSecond: 1e7); // 0.1 GB at 10 MB/s: 10 s > 1.024 s

        RoutingDecision decision = router.Route(new RoutingRequest(Prompt), [new FakeInstance("a"), new FakeInstance("b")]).Decision;

        Assert.Equal("b", decision.Target.Id);
        Assert.Null(decision.Move);
        Assert.Equal(0, decision.CachedTokens);
    }

    [Fact]
    public void MeasuredPrefillsCalibrateTheTargetsModel()
    {
        GlobalRouter router = Router(RoutingPolicies.PromptTree);
        RoutedRequest routed = router.Route(new RoutingRequest(Prompt), [new FakeInstance("a")]);
        TimeSpan before = router.Costs.PredictPrefill("a", 1024, 0);

        for (int i = 0; i < 20; i++) router.PrefillDone(routed, TimeSpan.FromSeconds(0.1));

        Assert.True(router.Costs.PredictPrefill("a", 1024, 0) < before / 2);
        Assert.Equal(TimeSpan.Zero, router.Ledger.OutstandingPrefill("a"));
    }

    private static GlobalRouter BusyHolderRouter(double bandwidthBytesPerSecond)
    {
        var costs = new CostModel(new CostModelOptions
        {
            KvBytesPerToken = Costs.KvBytesPerToken, PriorPrefillTokensPerSecond = 1000, PriorPrefillOverhead = TimeSpan.Zero,
            PriorSecondsPerAttentionPair = 0, PriorBandwidthBytesPerSecond = bandwidthBytesPerSecond,
            PriorTransferLatency = TimeSpan.Zero,
        });
        var router = new GlobalRouter(RoutingPolicies.Create(RoutingPolicies.PromptTree),
            new GlobalPromptTree(InstanceRole.Colocated, TimeSpan.FromMinutes(5)), costs, random: new Random(1));
        router.Tree.InsertTokens("a", Prompt);
        router.Ledger.Dispatch("a", TimeSpan.FromSeconds(100)); // a holds everything but is swamped
        return router;
    }

    private static GlobalRouter Router(string policy, RoutingPolicyOptions? options = null, Random? random = null) =>
        new(RoutingPolicies.Create(policy, options), new GlobalPromptTree(InstanceRole.Colocated, TimeSpan.FromMinutes(5)),
            new CostModel(Costs), random: random ?? new Random(7));
}
