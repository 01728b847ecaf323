using MemServe.Engine;
using MemServe.Extensions;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Settings for the engine an <see cref="IMemServeBuilder"/> registers. Each returns the builder.</summary>
public static class MemServeBuilderExtensions
{
    /// <summary>Changes the engine's <see cref="MemServeOptions"/>.</summary>
    public static IMemServeBuilder Configure(this IMemServeBuilder builder, Action<MemServeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }

    /// <summary>Binds the engine's <see cref="MemServeOptions"/> to <paramref name="configuration"/>.</summary>
    public static IMemServeBuilder Bind(this IMemServeBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.Configure<MemServeOptions>(builder.Name, configuration);
        return builder;
    }

    /// <summary>Binds the engine's <see cref="MemServeOptions"/> to the configuration section at
    /// <paramref name="sectionPath"/> (default <c>MemServe</c>, or <c>MemServe:&lt;key&gt;</c> for a keyed
    /// engine), read from the container's <see cref="IConfiguration"/>.</summary>
    public static IMemServeBuilder BindConfiguration(this IMemServeBuilder builder, string? sectionPath = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        sectionPath ??= builder.ServiceKey is null ? MemServeOptions.SectionName : $"{MemServeOptions.SectionName}:{builder.ServiceKey}";
        builder.Services.AddOptions<MemServeOptions>(builder.Name).BindConfiguration(sectionPath);
        return builder;
    }

    /// <summary>
    /// Adjusts the <see cref="LlmEngineOptions"/> built from <see cref="MemServeOptions"/> just before the
    /// engine is created, reaching every engine option: <c>b.ConfigureEngine(o =&gt; o with { BlockTokens = 32 })</c>.
    /// Callbacks run in registration order; <see cref="LlmEngineOptions.OwnsWeights"/> is forced on afterwards.
    /// </summary>
    public static IMemServeBuilder ConfigureEngine(this IMemServeBuilder builder, Func<LlmEngineOptions, LlmEngineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<MemServeOptions>(builder.Name, o => o.EngineConfigurators.Add(configure));
        return builder;
    }
}
