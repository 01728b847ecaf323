using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions;

/// <summary>
/// Configures one MemServe engine registered by <c>AddMemServe</c> or <c>AddKeyedMemServe</c>; extension
/// methods (<see cref="MemServeBuilderExtensions"/>) add settings. Strategies that arrive with later
/// features (prefix cache, backends, cluster routing, transports) plug in here.
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
