using System.Text.Json;
using MemServe.Cluster.Remote;
using MemServe.Core.Tests.Integration;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Remote;

/// <summary>A real <c>memserve serve-instance</c> process reached through <see cref="RemoteEngine"/> over loopback TCP.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public sealed class RemoteEngineTests(RemoteInstanceFixture fixture) : IClassFixture<RemoteInstanceFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private RemoteEngine Remote => fixture.Engine;

    [Fact]
    public async Task Greedy_output_through_a_remote_engine_equals_the_local_engine()
    {
        GenerationRequest request = Greedy("The remote engine streams tokens", 24);
        using LoadedModel model = LoadedModel.Default();
        await using LlmEngine local = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer,
            new LlmEngineOptions { MemoryBudgetBytes = 192L << 20, Threads = 1 });

        GenerationResult expected = await local.CompleteAsync(request).WaitAsync(Patience);
        GenerationResult actual = await Remote.CompleteAsync(request).WaitAsync(Patience);

        Assert.Equal(expected.TokenIds, actual.TokenIds);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.FinishReason, actual.FinishReason);
        Assert.Equal(expected.Usage.PromptTokens, actual.Usage.PromptTokens);
    }

    [Fact]
    public async Task The_remote_engine_reports_the_hosts_model_and_tokenizer()
    {
        Assert.Equal(DefaultModel.Name, Remote.ModelInfo.Name);
        Assert.Equal(DefaultModel.Config.VocabSize, Remote.ModelInfo.Config.VocabSize);
        using LoadedModel model = LoadedModel.Default();
        Assert.Equal(model.Tokenizer.Encode("hello remote world"), Remote.Tokenizer.Encode("hello remote world"));
        Assert.True(await Remote.ProbeAsync());
        Assert.True(Remote.IsHealthy);
        Assert.True((await Remote.GetStatsAsync()).KvBlocksTotal > 0);
    }

    [Fact]
    public async Task Many_concurrent_requests_multiplexed_on_one_connection_all_complete()
    {
        const int count = 24;
        var tasks = new Task<GenerationResult>[count];
        for (int i = 0; i < count; i++) tasks[i] = Remote.CompleteAsync(Greedy($"request number {i % 6}", 4 + i % 5));

        GenerationResult[] results = await Task.WhenAll(tasks).WaitAsync(Patience);

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(FinishReason.Length, results[i].FinishReason);
            Assert.Equal(4 + i % 5, results[i].TokenIds.Count);
        }
    }

    [Fact]
    public async Task Cancelling_a_remote_request_frees_its_blocks_on_the_host()
    {
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GenerationUpdate _ in Remote.GenerateAsync(Greedy("a long story that will be cut short", 1500), cancel.Token))
            {
                if (++seen == 3) await cancel.CancelAsync();
            }
        }).WaitAsync(Patience);

        EngineStats stats = await IdleAsync(Remote);
        // The host counts the cancellation just after it frees the request: wait for the counter too.
        for (int attempt = 0; attempt < 250 && stats.CancelledRequests < 1; attempt++)
        {
            await Task.Delay(20);
            stats = await Remote.GetStatsAsync();
        }
        Assert.Equal(0, stats.Running);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.True(stats.CancelledRequests >= 1);
    }

    [Fact]
    public async Task An_invalid_request_fails_with_the_same_exception_type_as_locally()
    {
        GenerationRequest request = new() { PromptTokenIds = [1, 999_999], MaxTokens = 4 };

        var ex = await Assert.ThrowsAsync<InvalidRequestException>(() => Remote.CompleteAsync(request)).WaitAsync(Patience);
        Assert.Contains("999999", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_generate_command_with_remote_prints_what_the_local_command_prints()
    {
        string[] common = ["generate", "--prompt-ids", "5,17,29,41,53", "--max-tokens", "8", "--ignore-eos", "--json"];

        JsonElement local = CliRunner.RunJsonLines([.. common, "--threads", "1", "--memory-mb", "192"])[0];
        JsonElement remote = CliRunner.RunJsonLines([.. common, "--remote", fixture.Process.Endpoint])[0];

        Assert.Equal(CliRunner.Ids(local.GetProperty("output_ids")), CliRunner.Ids(remote.GetProperty("output_ids")));
        Assert.Equal(local.GetProperty("text").GetString(), remote.GetProperty("text").GetString());
    }

    internal static GenerationRequest Greedy(string prompt, int maxTokens) => new()
    {
        Prompt = prompt, MaxTokens = maxTokens, IgnoreEos = true, Sampling = SamplingParameters.Greedy,
    };

    /// <summary>Polls the host's stats until no request holds blocks (bounded).</summary>
    internal static async Task<EngineStats> IdleAsync(RemoteEngine remote)
    {
        EngineStats stats = await remote.GetStatsAsync();
        for (int attempt = 0; attempt < 600 && (stats.Running != 0 || stats.Waiting != 0 || stats.KvBlocksUsed != 0); attempt++)
        {
            await Task.Delay(20);
            stats = await remote.GetStatsAsync();
        }
        return stats;
    }
}
