using MemServe.Engine;
using MemServe.Extensions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers MemServe engines. Each registration adds, as singletons (unkeyed, or under its key):
/// <see cref="ILlmEngine"/> (created lazily on first resolution or by the hosted service), an
/// <see cref="IChatClient"/> and an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings over it, and an
/// <see cref="IHostedService"/> that loads the engine at start and
/// disposes it at stop. The container owns the engine; the chat client never disposes it.
/// </summary>
public static class MemServeServiceCollectionExtensions
{
    /// <summary>Registers the unkeyed engine with default settings (the embedded default model).</summary>
    public static IMemServeBuilder AddMemServe(this IServiceCollection services) => AddCore(services, serviceKey: null);

    /// <summary>Registers the unkeyed engine, configured by <paramref name="configure"/>.</summary>
    public static IMemServeBuilder AddMemServe(this IServiceCollection services, Action<MemServeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(services, serviceKey: null).Configure(configure);
    }

    /// <summary>Registers the unkeyed engine, bound to <paramref name="configuration"/> (usually the
    /// <c>MemServe</c> section).</summary>
    public static IMemServeBuilder AddMemServe(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(services, serviceKey: null).Bind(configuration);
    }

    /// <summary>Registers an engine under <paramref name="serviceKey"/> (resolve it with
    /// <c>[FromKeyedServices(key)] ILlmEngine</c> or <c>IChatClient</c>); its options are named by the key.</summary>
    public static IMemServeBuilder AddKeyedMemServe(this IServiceCollection services, string serviceKey, Action<MemServeOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        IMemServeBuilder builder = AddCore(services, serviceKey);
        return configure is null ? builder : builder.Configure(configure);
    }

    /// <summary>Registers an engine under <paramref name="serviceKey"/>, bound to <paramref name="configuration"/>.</summary>
    public static IMemServeBuilder AddKeyedMemServe(this IServiceCollection services, string serviceKey, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(services, serviceKey).Bind(configuration);
    }

    private static MemServeBuilder AddCore(IServiceCollection services, string? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new MemServeBuilder(services, serviceKey);
        services.AddOptions<MemServeOptions>(builder.Name).ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MemServeMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemServeOptions>, MemServeOptionsValidator>());
        if (IsRegistered(services, serviceKey)) return builder;

        string name = builder.Name;
        services.AddKeyedSingleton(serviceKey, (sp, _) => new MemServeEngineProvider(
            name,
            sp.GetRequiredService<IOptionsMonitor<MemServeOptions>>().Get(name),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetRequiredService<MemServeMetrics>()));
        services.AddKeyedSingleton(serviceKey, (sp, key) => Provider(sp, key).Get().Engine);
        services.AddKeyedSingleton<IChatClient>(serviceKey, (sp, key) => MemServeChatClient.Create(Provider(sp, key).Get()));
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(serviceKey,
            (sp, key) => MemServeEmbeddingGenerator.Create(Provider(sp, key).Get()));
        services.AddSingleton<IHostedService>(sp => new MemServeHostedService(Provider(sp, serviceKey)));
        return builder;
    }

    private static MemServeEngineProvider Provider(IServiceProvider services, object? key) =>
        services.GetRequiredKeyedService<MemServeEngineProvider>(key);

    private static bool IsRegistered(IServiceCollection services, string? serviceKey)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(MemServeEngineProvider) && Equals(descriptor.ServiceKey, serviceKey)) return true;
        }
        return false;
    }
}
