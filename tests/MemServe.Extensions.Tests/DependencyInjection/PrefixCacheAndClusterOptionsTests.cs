using MemServe.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MemServe.Extensions.DependencyInjection;

/// <summary>Binding and validation of <c>MemServe:PrefixCache</c> and <c>MemServe:Cluster</c>, and the builder methods
/// that set them. No engine is loaded.</summary>
public sealed class PrefixCacheAndClusterOptionsTests
{
    [Fact]
    public async Task Configuration_BindsPrefixCacheAndClusterSettings()
    {
        IConfiguration configuration = TestSettings.Build(TestSettings.Configuration(
            ("PrefixCache:Enabled", "false"), ("PrefixCache:HostMegabytes", "64"), ("PrefixCache:DiskDirectory", "/tmp/kv"),
            ("PrefixCache:DiskMegabytes", "10"), ("PrefixCache:EvictionPolicy", "LFU"),
            ("Cluster:Disaggregation", "pd-caching-1"), ("Cluster:Routing", "least-loaded"), ("Cluster:RetryOnInstanceFailure", "false"),
            ("Cluster:RemoteEndpoints:0", "10.0.0.1:7001"), ("Cluster:RemoteEndpoints:1", "node-b:7002")));
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(configuration.GetSection("MemServe")));

        MemServeOptions options = services.GetRequiredService<IOptionsMonitor<MemServeOptions>>().Get(Options.DefaultName);

        MemServePrefixCacheOptions cache = options.PrefixCache;
        Assert.False(cache.Enabled);
        Assert.Equal(64, cache.HostMegabytes);
        Assert.Equal("/tmp/kv", cache.DiskDirectory);
        Assert.Equal(10, cache.DiskMegabytes);
        Assert.Equal("LFU", cache.EvictionPolicy);
        Assert.Equal(["10.0.0.1:7001", "node-b:7002"], options.Cluster.RemoteEndpoints);
        Assert.Equal("pd-caching-1", options.Cluster.Disaggregation);
        Assert.Equal("least-loaded", options.Cluster.Routing);
        Assert.False(options.Cluster.RetryOnInstanceFailure);
        Assert.True(options.Cluster.IsCluster);
    }

    [Fact]
    public void PrefixCacheSettings_ReachTheEngineOptions_InBytes_WithAPerInstanceDiskFolder()
    {
        var options = new MemServeOptions();
        options.PrefixCache.HostMegabytes = 3;
        options.PrefixCache.DiskDirectory = "/tmp/kv";
        options.PrefixCache.DiskMegabytes = 5;
        options.PrefixCache.EvictionPolicy = "FIFO";

        LlmEngineOptions engine = options.ToEngineOptions(1000, "m", TimeProvider.System, instanceId: "decode-1");

        Assert.Equal(3L << 20, engine.PrefixCache.HostBytes);
        Assert.Equal(5L << 20, engine.PrefixCache.DiskBytes);
        Assert.Equal(Path.Combine("/tmp/kv", "decode-1"), engine.PrefixCache.DiskDirectory);
        Assert.Equal("fifo", engine.PrefixCache.EvictionPolicy);
    }

    [Fact]
    public async Task BuilderMethods_SetPrefixCacheAndCluster()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)
            .UsePrefixCache(c => c.EvictionPolicy = "lfu")
            .UseCluster(c => c.Instances = 3)
            .UseDisaggregation("pd-caching-3")
            .UseRouting("round-robin"));
        await using ServiceProvider disabled = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)
            .UseRemoteInstances("a:1", "b:2")
            .DisablePrefixCache());

        MemServeOptions options = services.GetRequiredService<IOptions<MemServeOptions>>().Value;
        MemServeOptions other = disabled.GetRequiredService<IOptions<MemServeOptions>>().Value;

        Assert.True(options.PrefixCache.Enabled);
        Assert.Equal("lfu", options.PrefixCache.EvictionPolicy);
        Assert.Equal(3, options.Cluster.Instances);
        Assert.Equal("pd-caching-3", options.Cluster.Disaggregation);
        Assert.Equal("round-robin", options.Cluster.Routing);
        Assert.False(other.PrefixCache.Enabled);
        Assert.Equal(["a:1", "b:2"], other.Cluster.RemoteEndpoints);
    }

    [Theory]
    [InlineData("PrefixCache:EvictionPolicy", "mru", "MemServe:PrefixCache:EvictionPolicy must be one of lru, lfu, fifo")]
    [InlineData("PrefixCache:HostMegabytes", "-1", "MemServe:PrefixCache:HostMegabytes")]
    [InlineData("PrefixCache:DiskMegabytes", "-5", "MemServe:PrefixCache:DiskMegabytes")]
    [InlineData("Cluster:Instances", "-1", "MemServe:Cluster:Instances")]
    [InlineData("Cluster:Disaggregation", "pd-magic",
        "MemServe:Cluster:Disaggregation must be one of colocated, pd-basic, pd-caching-1, pd-caching-2, pd-caching-3")]
    [InlineData("Cluster:Routing", "random", "MemServe:Cluster:Routing must be one of round-robin, least-loaded, session-affinity, prompt-tree")]
    [InlineData("Cluster:RemoteEndpoints:0", "no-port", "MemServe:Cluster:RemoteEndpoints entries must be HOST:PORT")]
    public async Task InvalidSetting_FailsNamingTheFieldAndAllowedValues(string key, string value, string message)
    {
        IConfiguration configuration = TestSettings.Build(TestSettings.Configuration(("Cluster:Instances", "2"), (key, value)));
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(configuration.GetSection("MemServe")));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ILlmEngine>());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, new string[0], "pd-basic", null, "MemServe:Cluster:Disaggregation needs at least 2")]
    [InlineData(0, new[] { "a:1" }, "pd-caching-2", null, "MemServe:Cluster:Disaggregation needs at least 2")]
    [InlineData(0, new string[0], null, "prompt-tree", "MemServe:Cluster:Instances must be at least 2")]
    [InlineData(2, new[] { "a:1" }, null, null, "MemServe:Cluster:Instances must be 0 or 1 when")]
    public async Task InvalidCombination_FailsNamingTheField(int instances, string[] endpoints, string? disaggregation, string? routing, string message)
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply).UseCluster(c =>
        {
            c.Instances = instances;
            c.RemoteEndpoints.AddRange(endpoints);
            c.Disaggregation = disaggregation;
            c.Routing = routing;
        }));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ILlmEngine>());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
