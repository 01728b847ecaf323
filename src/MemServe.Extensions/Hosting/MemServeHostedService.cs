using Microsoft.Extensions.Hosting;

namespace MemServe.Extensions;

/// <summary>
/// Starts (loads) one engine when the host starts and stops (disposes) it when the host stops; nothing
/// else. The engine works without a host too: it then loads on first use and the container frees it.
/// </summary>
internal sealed class MemServeHostedService(MemServeEngineProvider provider) : IHostedService
{
    /// <summary>Loads the engine; waits for it (and fails host start on a load error) unless
    /// <see cref="MemServeOptions.LoadInBackground"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Task<MemServeLoadedEngine> load = provider.GetAsync(CancellationToken.None);
        if (!provider.Options.LoadInBackground) await load.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the engine, ending requests still in flight.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => provider.DisposeAsync().AsTask();
}
