using MemServe.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MemServe.Extensions;

/// <summary>
/// Reports one engine: Unhealthy while it loads (or before anything asked for it), after a load error
/// and once stopped; Degraded when waiting requests or KV usage reach the
/// <see cref="MemServeHealthCheckOptions"/> thresholds; Healthy otherwise. Data: state, running, waiting,
/// kv_blocks_used, kv_blocks_total, kv_usage, cpu_kernels.
/// </summary>
internal sealed class MemServeHealthCheck(MemServeEngineProvider provider, MemServeHealthCheckOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        MemServeEngineState state = provider.State;
        var data = new Dictionary<string, object> { ["state"] = state.ToString() };
        if (!provider.TryGet(out MemServeLoadedEngine? loaded) || state != MemServeEngineState.Ready)
        {
            string description = state switch
            {
                MemServeEngineState.Failed => "The model failed to load: " + provider.LoadError?.Message,
                MemServeEngineState.Disposed => "The engine is stopped.",
                _ => "The model is loading.",
            };
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, description, provider.LoadError, data));
        }

        EngineStats stats = loaded!.Engine.GetStats();
        double kvUsage = stats.KvBlocksTotal == 0 ? 0 : (double)stats.KvBlocksUsed / stats.KvBlocksTotal;
        data["model"] = loaded.Engine.ModelInfo.Name;
        data["running"] = stats.Running;
        data["waiting"] = stats.Waiting;
        data["kv_blocks_used"] = stats.KvBlocksUsed;
        data["kv_blocks_total"] = stats.KvBlocksTotal;
        data["kv_usage"] = kvUsage;
        data["cpu_kernels"] = stats.KernelPath;

        if (stats.Waiting >= options.DegradedWaitingRequests)
            return Task.FromResult(HealthCheckResult.Degraded($"{stats.Waiting} requests are waiting for admission.", data: data));
        if (kvUsage >= options.DegradedKvUsage)
            return Task.FromResult(HealthCheckResult.Degraded($"The KV cache is {kvUsage:P0} full.", data: data));
        return Task.FromResult(HealthCheckResult.Healthy($"Serving {loaded.Engine.ModelInfo.Name}.", data));
    }
}
