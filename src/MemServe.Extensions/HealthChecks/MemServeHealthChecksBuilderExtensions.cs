using MemServe.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds MemServe engine health checks.</summary>
public static class MemServeHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the engine registered under <paramref name="serviceKey"/> (null: the unkeyed one),
    /// named <c>memserve</c> (or <c>memserve-&lt;key&gt;</c>). See <see cref="MemServeHealthCheckOptions"/> for
    /// when it is degraded; it is unhealthy while loading, after a load error and once stopped.
    /// </summary>
    public static IHealthChecksBuilder AddMemServeHealthCheck(this IHealthChecksBuilder builder, string? serviceKey = null,
        Action<MemServeHealthCheckOptions>? configure = null, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new MemServeHealthCheckOptions();
        configure?.Invoke(options);
        string name = serviceKey is null ? "memserve" : "memserve-" + serviceKey;
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new MemServeHealthCheck(sp.GetRequiredKeyedService<MemServeEngineProvider>(serviceKey), options),
            failureStatus: HealthStatus.Unhealthy,
            tags));
    }
}
