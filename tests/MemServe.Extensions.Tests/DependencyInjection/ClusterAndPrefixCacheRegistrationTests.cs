using System.Net;
using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Engine;
using MemServe.Model;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.DependencyInjection;

/// <summary>The registration creating a cluster instead of one engine, and the prefix-cache switch, seen through
/// <see cref="IChatClient"/> with the embedded default model.</summary>
public sealed class ClusterAndPrefixCacheRegistrationTests
{
    private static readonly ChatMessage[] s_short = [new(ChatRole.User, "Tell me about cats.")];

    // Several KV blocks of prompt, so a repeat finds whole cached blocks.
    private static readonly ChatMessage[] s_long =
    [
        new(ChatRole.User, "Cats are small carnivorous mammals that people keep as pets. They hunt mice, sleep a lot, " +
            "groom their fur, and purr when content. Describe three habits of house cats in a few words."),
    ];

    [Fact]
    public async Task InProcessPdCluster_AnswersWithTheSameGreedyTextAsOneEngine()
    {
        await using ServiceProvider single = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        await using ServiceProvider clustered = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)
            .UseCluster(c => c.Instances = 2)
            .UseDisaggregation(DisaggregationStrategies.PdCaching2)
            .UseRouting(RoutingPolicies.PromptTree));

        ChatResponse expected = await single.GetRequiredService<IChatClient>().GetResponseAsync(s_short, Greedy(6));
        ChatResponse actual = await clustered.GetRequiredService<IChatClient>().GetResponseAsync(s_short, Greedy(6));

        LlmCluster cluster = Cluster(clustered.GetRequiredService<ILlmEngine>());
        Assert.Equal(DisaggregationStrategies.PdCaching2, cluster.Strategy.Name);
        Assert.Equal([InstanceRole.Prefill, InstanceRole.Decode], cluster.Instances.Select(i => i.Role));
        Assert.Equal(6, actual.Usage?.OutputTokenCount);
        Assert.False(string.IsNullOrEmpty(expected.Text));
        Assert.Equal(expected.Text, actual.Text);
    }

    [Fact]
    public async Task KvTransportAndClusterOptions_ArePluggedThroughTheBuilder()
    {
        int links = 0;
        string? routingSeen = null;
        await using ServiceProvider clustered = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)
            .UseCluster(c => c.Instances = 2)
            .UseDisaggregation(DisaggregationStrategies.PdBasic)
            .UseKvTransport((from, to) =>
            {
                Interlocked.Increment(ref links);
                return KvLinks.InProcess(from, to);
            })
            .ConfigureCluster(o =>
            {
                routingSeen = o.Routing;
                return o with { Routing = RoutingPolicies.RoundRobin };
            }));

        ChatResponse response = await clustered.GetRequiredService<IChatClient>().GetResponseAsync(s_short, Greedy(3));

        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.True(links > 0, "the prefill-to-decode KV handoff must go through the registered transport");
        Assert.Equal(RoutingPolicies.PromptTree, routingSeen);
        Assert.Equal(RoutingPolicies.RoundRobin, Cluster(clustered.GetRequiredService<ILlmEngine>()).Router(InstanceRole.Prefill).Policy.Name);
    }

    [Fact]
    public async Task RemoteInstance_OnLoopback_AnswersWithTheSameGreedyTextAsOneEngine()
    {
        LoadedModel model = LoadedModel.Default();
        await using LlmEngine served = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, new LlmEngineOptions
        {
            MemoryBudgetBytes = 256L << 20, Threads = 1, MaxRunningSequences = 4, OwnsWeights = true, ModelName = model.Name,
        });
        await using EngineHost host = EngineHost.Start(new LocalEngineInstance("remote-0", InstanceRole.Colocated, served),
            new IPEndPoint(IPAddress.Loopback, 0),
            new EngineHostOptions { TokenizerJson = DefaultModel.TokenizerJson, TokenizerConfigJson = DefaultModel.TokenizerConfigJson });
        await using ServiceProvider single = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        await using ServiceProvider remote = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)
            .UseRemoteInstances($"127.0.0.1:{host.LocalEndPoint.Port}"));

        ChatResponse expected = await single.GetRequiredService<IChatClient>().GetResponseAsync(s_short, Greedy(4));
        ChatResponse actual = await remote.GetRequiredService<IChatClient>().GetResponseAsync(s_short, Greedy(4));

        Assert.IsType<RemoteEngine>(Assert.Single(Cluster(remote.GetRequiredService<ILlmEngine>()).Instances));
        Assert.Equal(expected.Text, actual.Text);
    }

    [Fact]
    public async Task PrefixCacheOn_SecondIdenticalRequestReusesCachedPromptTokens()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply).UsePrefixCache());
        IChatClient chat = services.GetRequiredService<IChatClient>();

        ChatResponse first = await chat.GetResponseAsync(s_long, Greedy(2));
        await TestSettings.WaitForIdleAsync(services.GetRequiredService<ILlmEngine>());
        ChatResponse second = await chat.GetResponseAsync(s_long, Greedy(2));

        Assert.Equal(0, first.Usage?.CachedInputTokenCount ?? 0);
        Assert.True(second.Usage?.CachedInputTokenCount >= 16, $"cached {second.Usage?.CachedInputTokenCount}");
        Assert.True(second.Usage?.CachedInputTokenCount < second.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task DisablePrefixCache_SecondIdenticalRequestReusesNothing()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply).DisablePrefixCache());
        IChatClient chat = services.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync(s_long, Greedy(2));
        await TestSettings.WaitForIdleAsync(services.GetRequiredService<ILlmEngine>());
        ChatResponse second = await chat.GetResponseAsync(s_long, Greedy(2));

        Assert.True(second.Usage?.InputTokenCount > 32);
        Assert.Equal(0, second.Usage?.CachedInputTokenCount ?? 0);
    }

    [Fact]
    public async Task Cluster_IsDisposedWithTheContainer_InstancesFirst()
    {
        ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply).UseCluster(c => c.Instances = 2));
        LlmCluster cluster = Cluster(services.GetRequiredService<ILlmEngine>());

        await services.DisposeAsync();

        Assert.All(cluster.Instances, i => Assert.False(i.IsHealthy));
        Assert.Throws<ObjectDisposedException>(() => cluster.GenerateAsync(new GenerationRequest { Prompt = "hi" }));
    }

    private static LlmCluster Cluster(ILlmEngine engine)
    {
        ILlmEngine inner = Assert.IsType<MeteredLlmEngine>(engine).Inner;
        if (inner is InstanceFailureRetryEngine retry) inner = retry.Inner;
        return Assert.IsType<LlmCluster>(inner);
    }

    private static ChatOptions Greedy(int maxTokens) => new()
    {
        MaxOutputTokens = maxTokens,
        Temperature = 0,
        RawRepresentationFactory = _ => new GenerationRequest { IgnoreEos = true },
    };
}
