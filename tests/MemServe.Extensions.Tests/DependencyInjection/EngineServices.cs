using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MemServe.Extensions.DependencyInjection;

/// <summary>Builds containers with MemServe registered, no host.</summary>
internal static class EngineServices
{
    public static ServiceProvider Build(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        register(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
