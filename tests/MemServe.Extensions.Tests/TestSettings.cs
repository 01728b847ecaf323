using MemServe.Engine;
using Microsoft.Extensions.Configuration;

namespace MemServe.Extensions;

/// <summary>Engine settings that keep tests small: the embedded default model, one thread, a small budget.</summary>
internal static class TestSettings
{
    /// <summary>The settings as <c>MemServe:*</c> configuration keys.</summary>
    public static Dictionary<string, string?> Configuration(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MemServe:Threads"] = "1",
            ["MemServe:MemoryBudgetMegabytes"] = "256",
            ["MemServe:MaxRunningSequences"] = "4",
            ["MemServe:MaxBatchTokens"] = "128",
        };
        foreach ((string key, string value) in overrides) settings["MemServe:" + key] = value;
        return settings;
    }

    /// <summary>Applies the same small settings to options set in code.</summary>
    public static void Apply(MemServeOptions options)
    {
        options.Threads = 1;
        options.MemoryBudgetMegabytes = 256;
        options.MaxRunningSequences = 4;
        options.MaxBatchTokens = 128;
    }

    public static IConfiguration Build(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    /// <summary>Polls <paramref name="engine"/> until no request holds KV blocks, or fails after a timeout.</summary>
    public static async Task<EngineStats> WaitForIdleAsync(ILlmEngine engine, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        EngineStats stats = engine.GetStats();
        while ((stats.KvBlocksUsed != 0 || stats.Running != 0 || stats.Waiting != 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            stats = engine.GetStats();
        }
        return stats;
    }
}
