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
}
