using MemServe.Cluster;
using MemServe.Engine;

namespace MemServe.Workload.Setups;

/// <summary>
/// The cluster rows: <see cref="LlmCluster"/>s of <see cref="SetupContext.Instances"/> in-process instances, each an
/// engine with <see cref="SetupContext.InstanceThreads"/> compute threads over the shared weights. Two matrices:
/// <list type="bullet">
/// <item><c>disaggregation</c>: colocated without caching (every instance's prefix cache off), colocated with caching,
/// and the prefill/decode split (half the instances prefill, half decode) at PD-Basic and PD-Caching-1/2/3, all
/// routed by the prompt-tree policy (with the cache off it has no matches and balances predicted load).</item>
/// <item><c>routing</c>: instances with caching under each built-in routing policy; colocated unless
/// <see cref="SetupContext.RoutingDisaggregation"/> names a PD strategy (the paper's routing microbenchmark is
/// PD-Caching-3 on 3P1D).</item>
/// </list>
/// Routing ties are broken by a generator seeded with <paramref name="seed"/>.
/// </summary>
internal static class ClusterSetups
{
    /// <summary>Every cluster setup.</summary>
    public static IEnumerable<EngineSetup> All(SetupContext context, int seed)
    {
        yield return Create(context, seed, "colocated", "disaggregation", DisaggregationStrategies.Colocated, RoutingPolicies.PromptTree, cache: false);
        yield return Create(context, seed, "colocated+caching", "disaggregation", DisaggregationStrategies.Colocated, RoutingPolicies.PromptTree, cache: true);
        foreach (string strategy in new[]
        {
            DisaggregationStrategies.PdBasic, DisaggregationStrategies.PdCaching1,
            DisaggregationStrategies.PdCaching2, DisaggregationStrategies.PdCaching3,
        })
            yield return Create(context, seed, strategy, "disaggregation", strategy, RoutingPolicies.PromptTree, cache: true);
        foreach (string policy in RoutingPolicies.Names)
            yield return Create(context, seed, policy, "routing", context.RoutingDisaggregation, policy, cache: true);
    }

    private static EngineSetup Create(SetupContext context, int seed, string name, string matrix, string strategy, string routing, bool cache)
    {
        bool pd = strategy != DisaggregationStrategies.Colocated;
        int prefill = !pd ? 0 : Math.Clamp(context.PrefillInstances ?? context.Instances / 2, 1, context.Instances - 1);
        string shape = pd ? $"{prefill}P{context.Instances - prefill}D" : $"{context.Instances} colocated";
        string description = $"cluster {shape}, {strategy}, routing {routing}, {context.InstanceThreads} thread(s) per instance, " +
            $"prefix cache {(cache ? "on" : "off")}";
        return new EngineSetup(name, matrix, description, () =>
        {
            var instances = new List<IEngineInstance>(context.Instances);
            for (int i = 0; i < context.Instances; i++)
            {
                InstanceRole role = !pd ? InstanceRole.Colocated : i < prefill ? InstanceRole.Prefill : InstanceRole.Decode;
                LlmEngine engine = context.CreateEngine(context.EngineOptions(context.InstanceThreads, cache));
                instances.Add(new LocalEngineInstance($"{role.ToString().ToLowerInvariant()}-{i}", role, engine));
            }
            return new LlmCluster(instances, new LlmClusterOptions
            {
                Disaggregation = strategy,
                Routing = routing,
                Random = new Random(seed),
            });
        });
    }
}
