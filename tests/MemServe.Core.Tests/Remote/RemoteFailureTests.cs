using System.Net;
using System.Net.Sockets;
using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Engine;

namespace MemServe.Core.Tests.Remote;

/// <summary>Unreachable and dying remote instances (real child processes, loopback only).</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public sealed class RemoteFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_unreachable_endpoint_at_start_is_an_error_naming_the_endpoint()
    {
        string endpoint = FreeLoopbackEndpoint();

        var ex = await Assert.ThrowsAsync<RemoteInstanceException>(() => RemoteEngine.ConnectAsync(endpoint)).WaitAsync(Patience);

        Assert.Contains(endpoint, ex.Message, StringComparison.Ordinal);
        Assert.Equal(endpoint, ex.Endpoint);
    }

    [Fact]
    public async Task A_killed_instance_fails_its_requests_clearly_while_other_instances_complete()
    {
        using RemoteInstanceProcess doomed = RemoteInstanceProcess.Start();
        using RemoteInstanceProcess survivor = RemoteInstanceProcess.Start();
        await using RemoteEngine a = await RemoteEngine.ConnectAsync(doomed.Endpoint, new RemoteEngineOptions { InstanceId = "doomed" });
        await using RemoteEngine b = await RemoteEngine.ConnectAsync(survivor.Endpoint);

        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> dying = CountAsync(a, RemoteEngineTests.Greedy("this request dies with its instance", 1500), firstToken);
        Task<GenerationResult> other = b.CompleteAsync(RemoteEngineTests.Greedy("this one completes", 12));
        await firstToken.Task.WaitAsync(Patience);
        doomed.Kill();

        var ex = await Assert.ThrowsAsync<RemoteInstanceException>(() => dying).WaitAsync(Patience);
        Assert.Contains("doomed", ex.Message, StringComparison.Ordinal);
        Assert.Equal("doomed", ex.InstanceId);
        Assert.Equal(12, (await other.WaitAsync(Patience)).TokenIds.Count);
        Assert.False(await a.ProbeAsync());
        Assert.False(a.IsHealthy);
        await Assert.ThrowsAsync<RemoteInstanceException>(() => a.CompleteAsync(RemoteEngineTests.Greedy("after death", 2)));
    }

    [Fact]
    public async Task With_retry_a_request_whose_instance_dies_completes_on_another_with_the_same_output()
    {
        using RemoteInstanceProcess first = RemoteInstanceProcess.Start();
        using RemoteInstanceProcess second = RemoteInstanceProcess.Start();
        RemoteEngine a = await RemoteEngine.ConnectAsync(first.Endpoint, new RemoteEngineOptions { InstanceId = "a" });
        RemoteEngine b = await RemoteEngine.ConnectAsync(second.Endpoint, new RemoteEngineOptions { InstanceId = "b" });
        await using var engine = new InstanceFailureRetryEngine(new LlmCluster([a, b],
            new LlmClusterOptions { Routing = RoutingPolicies.RoundRobin }));
        GenerationRequest request = RemoteEngineTests.Greedy("a request that outlives its first instance", 200);
        GenerationResult expected = await b.CompleteAsync(request).WaitAsync(Patience);

        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokens = new List<int>();
        Task run = Task.Run(async () =>
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request))
            {
                tokens.Add(update.TokenId);
                firstToken.TrySetResult();
            }
        });
        await firstToken.Task.WaitAsync(Patience);
        RemoteInstanceProcess serving = (await a.GetStatsAsync()).Running > 0 ? first : second;
        serving.Kill();
        await run.WaitAsync(Patience);

        Assert.Equal(expected.TokenIds, tokens);
    }

    private static async Task<int> CountAsync(RemoteEngine engine, GenerationRequest request, TaskCompletionSource first)
    {
        int count = 0;
        await foreach (GenerationUpdate _ in engine.GenerateAsync(request))
        {
            if (++count == 1) first.TrySetResult();
        }
        return count;
    }

    private static string FreeLoopbackEndpoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket.LocalEndPoint!.ToString()!;
    }
}
