using System.Text.Json;
using MemServe.Cluster;
using MemServe.Core.Tests.Integration;
using MemServe.Cluster.Remote;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Remote;

/// <summary><see cref="LlmCluster"/> over remote instances in real <c>serve-instance</c> processes, for every
/// disaggregation strategy: a multi-turn conversation must produce a single colocated engine's greedy outputs.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public sealed class RemoteClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [Theory]
    [InlineData(DisaggregationStrategies.Colocated)]
    [InlineData(DisaggregationStrategies.PdBasic)]
    [InlineData(DisaggregationStrategies.PdCaching1)]
    [InlineData(DisaggregationStrategies.PdCaching2)]
    [InlineData(DisaggregationStrategies.PdCaching3)]
    public async Task A_conversation_through_remote_instances_equals_a_single_colocated_engine(string strategy)
    {
        bool colocated = strategy == DisaggregationStrategies.Colocated;
        using RemoteInstanceProcess first = RemoteInstanceProcess.Start(colocated ? "colocated" : "prefill");
        using RemoteInstanceProcess second = RemoteInstanceProcess.Start(colocated ? "colocated" : "decode");
        var remotes = new List<IEngineInstance>
        {
            await RemoteEngine.ConnectAsync(first.Endpoint), await RemoteEngine.ConnectAsync(second.Endpoint),
        };
        await using var cluster = new LlmCluster(remotes, new LlmClusterOptions { Disaggregation = strategy, Random = new Random(1) });
        using LoadedModel model = LoadedModel.Default();
        await using LlmEngine single = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer,
            new LlmEngineOptions { MemoryBudgetBytes = 192L << 20, Threads = 1 });

        List<int> history = [.. model.Tokenizer.Encode("You are a remote assistant. Tell me about the weather today, please.", true)];
        for (int turn = 0; turn < 3; turn++)
        {
            GenerationRequest request = Greedy([.. history], 6);
            GenerationResult expected = await single.CompleteAsync(request).WaitAsync(Patience);
            GenerationResult actual = await cluster.CompleteAsync(request).WaitAsync(Patience);

            Assert.Equal(expected.TokenIds, actual.TokenIds);
            history.AddRange(actual.TokenIds);
            history.AddRange(model.Tokenizer.Encode($" And turn {turn + 1}?"));
        }
    }

    [Fact]
    public void The_generate_command_runs_a_pd_cluster_of_remote_instances()
    {
        using RemoteInstanceProcess prefill = RemoteInstanceProcess.Start("prefill");
        using RemoteInstanceProcess decode = RemoteInstanceProcess.Start("decode");
        string[] common = ["generate", "--prompt-ids", "7,19,31,43,55,67", "--max-tokens", "6", "--ignore-eos", "--json"];

        JsonElement local = CliRunner.RunJsonLines([.. common, "--threads", "1", "--memory-mb", "192"])[0];
        JsonElement remote = CliRunner.RunJsonLines([.. common, "--remote", $"{prefill.Endpoint},{decode.Endpoint}",
            "--disaggregation", DisaggregationStrategies.PdCaching2])[0];

        Assert.Equal(CliRunner.Ids(local.GetProperty("output_ids")), CliRunner.Ids(remote.GetProperty("output_ids")));
    }

    private static GenerationRequest Greedy(int[] prompt, int maxTokens) => new()
    {
        PromptTokenIds = prompt, MaxTokens = maxTokens, IgnoreEos = true, Sampling = SamplingParameters.Greedy,
    };
}
