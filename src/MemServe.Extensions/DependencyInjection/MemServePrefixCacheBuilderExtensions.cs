using MemServe.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Prefix-cache settings for the engine an <see cref="IMemServeBuilder"/> registers. Each returns the builder;
/// they change <see cref="MemServeOptions.PrefixCache"/> and are validated with the rest when the host starts.</summary>
public static class MemServePrefixCacheBuilderExtensions
{
    /// <summary>Turns the prefix cache on and adjusts its tiers and eviction policy:
    /// <c>b.UsePrefixCache(c =&gt; { c.HostMegabytes = 512; c.EvictionPolicy = "lfu"; })</c>.</summary>
    public static IMemServeBuilder UsePrefixCache(this IMemServeBuilder builder, Action<MemServePrefixCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<MemServeOptions>(builder.Name, o =>
        {
            o.PrefixCache.Enabled = true;
            configure?.Invoke(o.PrefixCache);
        });
        return builder;
    }

    /// <summary>Turns the prefix cache off: every request computes its whole prompt.</summary>
    public static IMemServeBuilder DisablePrefixCache(this IMemServeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<MemServeOptions>(builder.Name, o => o.PrefixCache.Enabled = false);
        return builder;
    }
}
