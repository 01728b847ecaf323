using MemServe.Cluster;
using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.PrefixCache;
using MemServe.Engine;
using MemServe.Memory;

namespace MemServe.Core.Tests.Cluster;

/// <summary>In-process clusters of tiny real-runner engines with identical weights, and a multi-turn conversation to
/// run through them.</summary>
internal static class ClusterEngines
{
    /// <summary>Small blocks so short prompts span several.</summary>
    public static LlmEngineOptions Options => new() { BlockTokens = 4 };

    /// <summary>Instances for <paramref name="strategy"/>: colocated ones, or half prefill and half decode.</summary>
    public static List<LocalEngineInstance> Instances(string strategy, int count, KvLinkFactory? links = null)
    {
        bool pd = strategy != DisaggregationStrategies.Colocated;
        var instances = new List<LocalEngineInstance>(count);
        int prefill = pd ? Math.Max(1, count / 2) : 0;
        for (int i = 0; i < count; i++)
        {
            InstanceRole role = !pd ? InstanceRole.Colocated : i < prefill ? InstanceRole.Prefill : InstanceRole.Decode;
            string id = role switch { InstanceRole.Prefill => $"p{i}", InstanceRole.Decode => $"d{i - prefill}", _ => $"c{i}" };
            instances.Add(new LocalEngineInstance(id, role, CachedEngines.Create(Options), links));
        }
        return instances;
    }

    public static LlmCluster Create(string strategy, int count, string routing = RoutingPolicies.PromptTree, KvLinkFactory? links = null) =>
        new(Instances(strategy, count, links), new LlmClusterOptions
        {
            Disaggregation = strategy, Routing = routing, Random = new Random(5),
        });

    /// <summary>Runs a conversation of <paramref name="turns"/> turns: each prompt is the whole history (previous
    /// prompts and answers) plus new user tokens.</summary>
    public static async Task<GenerationResult[]> ConversationAsync(ILlmEngine engine, int turns, int seed = 11, string? session = null)
    {
        var history = new List<int>(TestEngines.Prompt(seed, 18));
        var results = new GenerationResult[turns];
        for (int t = 0; t < turns; t++)
        {
            GenerationRequest request = TestEngines.Greedy([.. history], 7) with { SessionId = session };
            results[t] = await engine.CompleteAsync(request).WaitAsync(TestEngines.Patience);
            history.AddRange(results[t].TokenIds);
            history.AddRange(TestEngines.Prompt(seed * 100 + t, 5));
        }
        return results;
    }

    /// <summary>The conversation on one colocated engine: the reference outputs.</summary>
    public static async Task<int[][]> ReferenceAsync(int turns, int seed = 11)
    {
        await using LlmEngine engine = CachedEngines.Create(Options);
        return CachedEngines.Tokens(await ConversationAsync(engine, turns, seed));
    }

    /// <summary>Every instance is idle, its pool and tree consistent and nothing pinned.</summary>
    public static void AssertIdleAndConsistent(LlmCluster cluster)
    {
        foreach (IEngineInstance instance in cluster.Instances)
        {
            LlmEngine engine = ((LocalEngineInstance)instance).Engine;
            CachedEngines.AssertIdleAndConsistent(engine);
        }
    }

    /// <summary>The usage entry of <paramref name="role"/> in <paramref name="result"/>.</summary>
    public static InstanceUsage Served(GenerationResult result, string role) =>
        result.Usage.Instances.Single(u => u.Role == role);

    /// <summary>Cached device + host + disk blocks of an instance.</summary>
    public static int CachedBlocks(IEngineInstance instance) => ((LocalEngineInstance)instance).Engine.MemPool?.CachedBlocks ?? 0;
}
