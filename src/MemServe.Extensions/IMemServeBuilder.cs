using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions;

/// <summary>
/// Configures one MemServe engine registered by <c>AddMemServe</c> or <c>AddKeyedMemServe</c>; extension
/// methods add settings: <see cref="MemServeBuilderExtensions"/> (options, binding, engine options),
/// <see cref="MemServePrefixCacheBuilderExtensions"/> (prefix cache) and <see cref="MemServeClusterBuilderExtensions"/>
/// (a cluster instead of one engine: instances, disaggregation, routing, remote instances).
/// </summary>
public interface IMemServeBuilder
{
    /// <summary>The service collection the engine is registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>The options name of this engine: the service key, or <see cref="Microsoft.Extensions.Options.Options.DefaultName"/>
    /// (empty) for the unkeyed engine.</summary>
    string Name { get; }

    /// <summary>The key <c>ILlmEngine</c> and <c>IChatClient</c> are registered under; null for the unkeyed engine.</summary>
    string? ServiceKey { get; }
}
