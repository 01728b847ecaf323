using MemServe.Engine;
using MemServe.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MemServe.Extensions.HealthChecks;

/// <summary>Health states: unhealthy while not loaded or after a load error, degraded under overload, healthy otherwise.</summary>
public sealed class MemServeHealthCheckTests
{
    [Fact]
    public async Task BeforeLoading_IsUnhealthy()
    {
        await using ServiceProvider services = EngineServices.Build(s =>
        {
            s.AddMemServe(TestSettings.Apply);
            s.AddHealthChecks().AddMemServeHealthCheck();
        });

        HealthReportEntry entry = await CheckAsync(services, "memserve");

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("NotLoaded", entry.Data["state"]);
    }

    [Fact]
    public async Task Ready_IsHealthyWithLoadData()
    {
        await using ServiceProvider services = EngineServices.Build(s =>
        {
            s.AddMemServe(TestSettings.Apply);
            s.AddHealthChecks().AddMemServeHealthCheck();
        });
        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();

        HealthReportEntry entry = await CheckAsync(services, "memserve");

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Ready", entry.Data["state"]);
        Assert.Equal(0, entry.Data["running"]);
        Assert.Equal(0, entry.Data["waiting"]);
        Assert.Equal(0.0, entry.Data["kv_usage"]);
        Assert.Equal(engine.GetStats().KvBlocksTotal, entry.Data["kv_blocks_total"]);
        Assert.Equal(MemServe.Compute.CpuKernels.Description, entry.Data["cpu_kernels"]);
    }

    [Fact]
    public async Task WaitingRequestsAtTheThreshold_IsDegraded()
    {
        await using ServiceProvider services = EngineServices.Build(s =>
        {
            s.AddKeyedMemServe("one", o => { TestSettings.Apply(o); o.MaxRunningSequences = 1; });
            s.AddHealthChecks().AddMemServeHealthCheck("one", o => o.DegradedWaitingRequests = 1);
        });
        ILlmEngine engine = services.GetRequiredKeyedService<ILlmEngine>("one");
        using var stop = new CancellationTokenSource();
        Task[] requests = [Drain(engine, stop.Token), Drain(engine, stop.Token)];
        for (int i = 0; i < 500 && engine.GetStats() is not { Running: 1, Waiting: 1 }; i++) await Task.Delay(10);

        HealthReportEntry entry = await CheckAsync(services, "memserve-one");
        await stop.CancelAsync();
        await Task.WhenAll(requests);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(1, entry.Data["running"]);
        Assert.Equal(1, entry.Data["waiting"]);
    }

    [Fact]
    public async Task LoadError_IsUnhealthyWithTheError()
    {
        string folder = Directory.CreateTempSubdirectory("memserve-broken-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), "{ not json");
        try
        {
            await using ServiceProvider services = EngineServices.Build(s =>
            {
                s.AddMemServe(o => { TestSettings.Apply(o); o.ModelPath = folder; });
                s.AddHealthChecks().AddMemServeHealthCheck();
            });
            Assert.ThrowsAny<Exception>(() => services.GetRequiredService<ILlmEngine>());

            HealthReportEntry entry = await CheckAsync(services, "memserve");

            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Equal("Failed", entry.Data["state"]);
            Assert.NotNull(entry.Exception);
            Assert.Contains("failed to load", entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider services, string name)
    {
        HealthReport report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries[name];
    }

    private static async Task Drain(ILlmEngine engine, CancellationToken cancellationToken)
    {
        try
        {
            var request = new GenerationRequest { Prompt = "Keep going", MaxTokens = 2000, IgnoreEos = true };
            await foreach (GenerationUpdate _ in engine.GenerateAsync(request, cancellationToken)) { }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
