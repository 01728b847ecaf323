using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace MemServe.Extensions.OpenAI;

/// <summary>The sample server hosted in-process on the default model with small settings; extra
/// <c>MemServe:*</c> settings come from the constructor.</summary>
public sealed class MemServeServerFactory : WebApplicationFactory<Program>
{
    private readonly (string Key, string Value)[] _overrides;

    public MemServeServerFactory() => _overrides = [];

    /// <summary>A server with extra settings (for tests that build their own).</summary>
    public static MemServeServerFactory With(params (string Key, string Value)[] overrides) => new(overrides);

    private MemServeServerFactory((string Key, string Value)[] overrides) => _overrides = overrides;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(TestSettings.Configuration(_overrides)));
    }
}
