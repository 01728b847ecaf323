using MemServe.Cluster.Remote;

namespace MemServe.Core.Tests.Remote;

/// <summary>One colocated <c>serve-instance</c> child process and a <see cref="RemoteEngine"/> connected to it,
/// shared by a test class (starting a process per test would dominate the run time).</summary>
public sealed class RemoteInstanceFixture : IAsyncLifetime
{
    private RemoteInstanceProcess? _process;
    private RemoteEngine? _engine;

    internal RemoteInstanceProcess Process => _process ?? throw new InvalidOperationException("not started");

    public RemoteEngine Engine => _engine ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _process = RemoteInstanceProcess.Start();
        _engine = await RemoteEngine.ConnectAsync(_process.Endpoint, new RemoteEngineOptions { HealthProbeInterval = TimeSpan.FromMilliseconds(200) });
    }

    public async Task DisposeAsync()
    {
        if (_engine is not null) await _engine.DisposeAsync();
        _process?.Dispose();
    }
}
