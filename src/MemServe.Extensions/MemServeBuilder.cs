using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MemServe.Extensions;

/// <summary>The one implementation of <see cref="IMemServeBuilder"/>.</summary>
internal sealed class MemServeBuilder(IServiceCollection services, string? serviceKey) : IMemServeBuilder
{
    public IServiceCollection Services { get; } = services;

    public string Name { get; } = serviceKey ?? Options.DefaultName;

    public string? ServiceKey { get; } = serviceKey;
}
