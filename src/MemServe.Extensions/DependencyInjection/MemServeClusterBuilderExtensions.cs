using MemServe.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Cluster settings for an <see cref="IMemServeBuilder"/>'s registration: with them the same registration creates
/// an <c>LlmCluster</c> instead of one engine. Each returns the builder; they change
/// <see cref="MemServeOptions.Cluster"/>, and names and combinations are validated when the host starts.
/// </summary>
public static class MemServeClusterBuilderExtensions
{
    /// <summary>Adjusts the cluster settings: <c>b.UseCluster(c =&gt; { c.Instances = 4; c.Disaggregation = "pd-caching-3"; })</c>.</summary>
    public static IMemServeBuilder UseCluster(this IMemServeBuilder builder, Action<MemServeClusterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<MemServeOptions>(builder.Name, o => configure(o.Cluster));
        return builder;
    }

    /// <summary>Sets the disaggregation strategy (a name from <c>DisaggregationStrategies</c>).</summary>
    public static IMemServeBuilder UseDisaggregation(this IMemServeBuilder builder, string strategy)
    {
        ArgumentException.ThrowIfNullOrEmpty(strategy);
        return builder.UseCluster(c => c.Disaggregation = strategy);
    }

    /// <summary>Sets the routing policy (a name from <c>RoutingPolicies</c>).</summary>
    public static IMemServeBuilder UseRouting(this IMemServeBuilder builder, string policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(policy);
        return builder.UseCluster(c => c.Routing = policy);
    }

    /// <summary>Adds remote instances (<c>HOST:PORT</c> of <c>memserve serve-instance</c> processes): the registration
    /// connects to them instead of loading a model.</summary>
    public static IMemServeBuilder UseRemoteInstances(this IMemServeBuilder builder, params string[] endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Length == 0) throw new ArgumentException("Give at least one HOST:PORT.", nameof(endpoints));
        return builder.UseCluster(c => c.RemoteEndpoints.AddRange(endpoints));
    }

    /// <summary>
    /// Sets the KV transport between in-process instances: <paramref name="links"/> creates the two ends of a
    /// link for each transfer (the default is <c>KvLinks.InProcess</c>, one memcpy). Remote instances use the
    /// TCP transport; tune it with <see cref="ConfigureRemoteInstances"/>.
    /// </summary>
    public static IMemServeBuilder UseKvTransport(this IMemServeBuilder builder, MemServe.Cluster.KvLinkFactory links)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(links);
        builder.Services.Configure<MemServeOptions>(builder.Name, o => o.KvLinks = links);
        return builder;
    }

    /// <summary>
    /// Adds a transform of the cluster options after the configured names are applied, reaching every
    /// <c>LlmClusterOptions</c> setting (routing weights, cost-model priors, prompt-tree expiry, seeded tie-breaks):
    /// <c>b.ConfigureCluster(o =&gt; o with { TreeEntryTtl = TimeSpan.FromMinutes(1) })</c>. Runs in registration order.
    /// </summary>
    public static IMemServeBuilder ConfigureCluster(this IMemServeBuilder builder,
        Func<MemServe.Cluster.LlmClusterOptions, MemServe.Cluster.LlmClusterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<MemServeOptions>(builder.Name, o => o.ClusterConfigurators.Add(configure));
        return builder;
    }

    /// <summary>
    /// Adds a transform of the connection options of every remote instance — the TCP transport
    /// (<c>Transport</c>: timeouts, connect attempts, buffer thresholds), health-probe interval and timeout:
    /// <c>b.ConfigureRemoteInstances(o =&gt; o with { HealthProbeInterval = TimeSpan.FromSeconds(5) })</c>.
    /// </summary>
    public static IMemServeBuilder ConfigureRemoteInstances(this IMemServeBuilder builder,
        Func<MemServe.Cluster.Remote.RemoteEngineOptions, MemServe.Cluster.Remote.RemoteEngineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<MemServeOptions>(builder.Name, o => o.RemoteConfigurators.Add(configure));
        return builder;
    }
}
