using MemServe.Engine;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MemServe.Extensions.DependencyInjection;

/// <summary>Registration, lifetimes, keyed engines, options binding and validation.</summary>
public sealed class MemServeServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddMemServe_EngineAndChatClientAreSingletons_SharedAcrossScopes()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));

        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();
        IChatClient chat = services.GetRequiredService<IChatClient>();
        using IServiceScope scope = services.CreateScope();

        Assert.Same(engine, scope.ServiceProvider.GetRequiredService<ILlmEngine>());
        Assert.Same(chat, scope.ServiceProvider.GetRequiredService<IChatClient>());
        Assert.Same(engine, chat.GetService<ILlmEngine>());
        Assert.Equal("memserve-default", engine.ModelInfo.Name);
    }

    [Fact]
    public void AddMemServe_ReturnsBuilderNamingTheRegistration()
    {
        var services = new ServiceCollection();

        IMemServeBuilder builder = services.AddMemServe();
        IMemServeBuilder keyed = services.AddKeyedMemServe("small");

        Assert.Same(services, builder.Services);
        Assert.Equal(Options.DefaultName, builder.Name);
        Assert.Null(builder.ServiceKey);
        Assert.Equal("small", keyed.Name);
        Assert.Equal("small", keyed.ServiceKey);
    }

    [Fact]
    public async Task AddKeyedMemServe_ResolvesDistinctEnginesAndChatClientsByKey()
    {
        await using ServiceProvider services = EngineServices.Build(s =>
        {
            s.AddKeyedMemServe("alpha", o => { TestSettings.Apply(o); o.ModelName = "alpha-model"; });
            s.AddKeyedMemServe("beta", o => { TestSettings.Apply(o); o.ModelName = "beta-model"; });
        });

        ILlmEngine alpha = services.GetRequiredKeyedService<ILlmEngine>("alpha");
        ILlmEngine beta = services.GetRequiredKeyedService<ILlmEngine>("beta");

        Assert.NotSame(alpha, beta);
        Assert.Equal("alpha-model", alpha.ModelInfo.Name);
        Assert.Equal("beta-model", beta.ModelInfo.Name);
        Assert.Same(beta, services.GetRequiredKeyedService<IChatClient>("beta").GetService<ILlmEngine>());
        Assert.Equal("alpha-model", services.GetRequiredKeyedService<IChatClient>("alpha").GetService<ChatClientMetadata>()?.DefaultModelId);
        Assert.Null(services.GetService<ILlmEngine>());
    }

    [Fact]
    public async Task AddMemServe_BindsConfigurationSection()
    {
        IConfiguration configuration = TestSettings.Build(TestSettings.Configuration(("ModelName", "from-config"), ("MaxContextTokens", "96")));
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(configuration.GetSection("MemServe")));

        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();

        Assert.Equal("from-config", engine.ModelInfo.Name);
        Assert.Equal(96, Inner(engine).ContextLimit);
    }

    [Fact]
    public async Task A_bf16_kv_cache_from_configuration_takes_half_the_memory_per_block()
    {
        IConfiguration f32 = TestSettings.Build(TestSettings.Configuration(("ModelName", "f32"), ("KvCacheDType", "F32")));
        IConfiguration bf16 = TestSettings.Build(TestSettings.Configuration(("ModelName", "bf16"), ("KvCacheDType", "BF16")));
        IConfiguration auto = TestSettings.Build(TestSettings.Configuration(("ModelName", "auto")));
        await using ServiceProvider f32Services = EngineServices.Build(s => s.AddMemServe(f32.GetSection("MemServe")));
        await using ServiceProvider bf16Services = EngineServices.Build(s => s.AddMemServe(bf16.GetSection("MemServe")));
        await using ServiceProvider autoServices = EngineServices.Build(s => s.AddMemServe(auto.GetSection("MemServe")));

        EngineStats a = f32Services.GetRequiredService<ILlmEngine>().GetStats(), b = bf16Services.GetRequiredService<ILlmEngine>().GetStats();
        EngineStats c = autoServices.GetRequiredService<ILlmEngine>().GetStats();

        Assert.Equal(a.KvCacheBytes / a.KvBlocksTotal, 2 * (b.KvCacheBytes / b.KvBlocksTotal));
        Assert.Equal(b.KvCacheBytes / b.KvBlocksTotal, c.KvCacheBytes / c.KvBlocksTotal); // BF16 weights: a BF16 cache by default
    }

    [Fact]
    public async Task Weights_left_unpacked_by_configuration_give_the_same_greedy_tokens()
    {
        IConfiguration packed = TestSettings.Build(TestSettings.Configuration(("ModelName", "packed")));
        IConfiguration rowMajor = TestSettings.Build(TestSettings.Configuration(("ModelName", "row-major"), ("PackWeights", "false")));
        await using ServiceProvider packedServices = EngineServices.Build(s => s.AddMemServe(packed.GetSection("MemServe")));
        await using ServiceProvider rowMajorServices = EngineServices.Build(s => s.AddMemServe(rowMajor.GetSection("MemServe")));
        var request = new GenerationRequest
        {
            Prompt = "The prompt tree remembers", MaxTokens = 12, IgnoreEos = true,
            Sampling = new MemServe.Sampling.SamplingParameters { Temperature = 0 },
        };

        GenerationResult a = await packedServices.GetRequiredService<ILlmEngine>().CompleteAsync(request);
        GenerationResult b = await rowMajorServices.GetRequiredService<ILlmEngine>().CompleteAsync(request);

        Assert.Equal(12, a.TokenIds.Count);
        Assert.Equal(a.TokenIds.ToArray(), b.TokenIds.ToArray());
        MemServeOptions options = rowMajorServices.GetRequiredService<IOptionsMonitor<MemServeOptions>>().Get(Options.DefaultName);
        Assert.False(options.ToEngineOptions(1000, "m", TimeProvider.System).PackWeights);
        Assert.True(new MemServeOptions().ToEngineOptions(1000, "m", TimeProvider.System).PackWeights);
    }

    [Fact]
    public async Task BindConfiguration_ReadsTheKeyedSectionFromTheContainersConfiguration()
    {
        IConfiguration configuration = TestSettings.Build(new Dictionary<string, string?>
        {
            ["MemServe:small:ModelName"] = "keyed-from-config",
            ["MemServe:small:Threads"] = "1",
            ["MemServe:small:MemoryBudgetMegabytes"] = "256",
        });
        await using ServiceProvider services = EngineServices.Build(s =>
        {
            s.AddSingleton(configuration);
            s.AddKeyedMemServe("small").BindConfiguration();
        });

        Assert.Equal("keyed-from-config", services.GetRequiredKeyedService<ILlmEngine>("small").ModelInfo.Name);
    }

    [Fact]
    public async Task ConfigureEngine_ReachesEveryEngineOption()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)
            .ConfigureEngine(o => o with { MaxContextTokens = 40, BlockTokens = 8 }));

        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();

        Assert.Equal(40, Inner(engine).ContextLimit);
        Assert.Equal(8, engine.GetStats().BlockTokens);
        Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(GenerationRequest.FromTokens(new int[50])));
    }

    [Theory]
    [InlineData("MaxBatchTokens", "0", "MemServe:MaxBatchTokens")]
    [InlineData("Threads", "-1", "MemServe:Threads")]
    [InlineData("MaxContextTokens", "1", "MemServe:MaxContextTokens")]
    [InlineData("KvCacheDType", "F16", "MemServe:KvCacheDType")]
    [InlineData("ModelPath", "/no/such/model/folder", "MemServe:ModelPath")]
    public async Task InvalidOptions_FailResolutionWithAMessageNamingTheField(string key, string value, string field)
    {
        IConfiguration configuration = TestSettings.Build(TestSettings.Configuration((key, value)));
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(configuration.GetSection("MemServe")));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ILlmEngine>());

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidKeyedOptions_FailHostStart_NamingTheKeyedField()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddKeyedMemServe("big", o => { TestSettings.Apply(o); o.MemoryBudgetBytes = 1 << 30; });
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("MemServe:big:MemoryBudgetBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("MemServe:big:MemoryBudgetMegabytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_LoadsTheEngineAtStart_AndDisposesItAtStop()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddMemServe(TestSettings.Apply);
        using IHost host = builder.Build();
        MemServeEngineProvider provider = host.Services.GetRequiredKeyedService<MemServeEngineProvider>(null);
        Assert.Equal(MemServeEngineState.NotLoaded, provider.State);

        await host.StartAsync();
        MemServeEngineState started = provider.State;
        ILlmEngine engine = host.Services.GetRequiredService<ILlmEngine>();
        await host.StopAsync();

        Assert.Equal(MemServeEngineState.Ready, started);
        Assert.Equal(MemServeEngineState.Disposed, provider.State);
        Assert.Throws<ObjectDisposedException>(() => engine.GenerateAsync(GenerationRequest.FromPrompt("x")));
    }

    [Fact]
    public void AddMemServe_Twice_RegistersOneEngineAndOneHostedService_WithBothConfigurations()
    {
        var services = new ServiceCollection();

        services.AddMemServe(o => o.ModelName = "first");
        services.AddMemServe(o => o.Threads = 1);

        Assert.Single(services, d => d.ServiceType == typeof(ILlmEngine));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        using ServiceProvider provider = services.BuildServiceProvider();
        MemServeOptions options = provider.GetRequiredService<IOptionsMonitor<MemServeOptions>>().Get(Options.DefaultName);
        Assert.Equal("first", options.ModelName);
        Assert.Equal(1, options.Threads);
    }

    [Fact]
    public async Task LoadInBackground_HostStartsBeforeTheEngineIsReady_AndRequestsWaitForIt()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddMemServe(o => { TestSettings.Apply(o); o.LoadInBackground = true; });
        using IHost host = builder.Build();
        MemServeEngineProvider provider = host.Services.GetRequiredKeyedService<MemServeEngineProvider>(null);

        await host.StartAsync();
        MemServeEngineState afterStart = provider.State;
        MemServeLoadedEngine loaded = await provider.GetAsync();
        await host.StopAsync();

        Assert.NotEqual(MemServeEngineState.NotLoaded, afterStart);
        Assert.Equal("memserve-default", loaded.Engine.ModelInfo.Name);
    }

    [Fact]
    public async Task Engine_WorksWithoutAHost_AndTheContainerDisposesIt()
    {
        ILlmEngine engine;
        await using (ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply)))
        {
            engine = services.GetRequiredService<ILlmEngine>();
            GenerationResult result = await engine.CompleteAsync(new GenerationRequest { Prompt = "Hi", MaxTokens = 2, IgnoreEos = true });
            Assert.Equal(2, result.Usage.OutputTokens);
        }

        Assert.Throws<ObjectDisposedException>(() => engine.GenerateAsync(GenerationRequest.FromPrompt("x")));
    }

    private static LlmEngine Inner(ILlmEngine engine) => (LlmEngine)((MeteredLlmEngine)engine).Inner;
}
