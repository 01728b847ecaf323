using System.Text.Json;
using MemServe.Core.Tests.Integration;
using MemServe.Core.Tests.Model;
using MemServe.Core.Tests.Runner;

namespace MemServe.Core.Tests.Cluster;

/// <summary><c>memserve generate --instances/--disaggregation/--routing</c> on the default model gives a single
/// engine's JSON outputs, and bad cluster options are usage errors.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class CliClusterTests
{
    private static string Ids(int start, int count) => string.Join(',', Enumerable.Range(start, count));

    private static string RequestFile(TempDirectory dir)
    {
        string shared = Ids(100, 20);
        return dir.WriteText("requests.jsonl", string.Join('\n',
            $$"""{"prompt_ids":[{{shared}}],"max_tokens":3,"temperature":0,"ignore_eos":true,"session":"a"}""",
            $$"""{"prompt_ids":[{{shared}},{{Ids(300, 14)}}],"max_tokens":3,"temperature":0,"ignore_eos":true,"session":"a"}""",
            $$"""{"prompt_ids":[{{Ids(700, 9)}}],"max_tokens":3,"temperature":0,"ignore_eos":true,"session":"b"}"""));
    }

    [Theory]
    [InlineData("colocated", "prompt-tree")]
    [InlineData("colocated", "session-affinity")]
    [InlineData("pd-basic", "round-robin")]
    [InlineData("pd-caching-1", "least-loaded")]
    [InlineData("pd-caching-2", "prompt-tree")]
    [InlineData("pd-caching-3", "prompt-tree")]
    public void Cluster_flags_give_the_single_engine_outputs(string disaggregation, string routing)
    {
        using var dir = new TempDirectory();
        string file = RequestFile(dir);
        List<JsonElement> single = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json", "--threads", "1");

        List<JsonElement> cluster = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json", "--threads", "1",
            "--instances", "2", "--disaggregation", disaggregation, "--routing", routing);

        Assert.Equal(3, cluster.Count);
        for (int i = 0; i < 3; i++)
            Assert.Equal(CliRunner.Ids(single[i].GetProperty("output_ids")), CliRunner.Ids(cluster[i].GetProperty("output_ids")));
        if (disaggregation != "pd-basic") // the second request reuses the shared 16-token block somewhere
            Assert.Equal(16, cluster[1].GetProperty("usage").GetProperty("cached_prompt_tokens").GetInt32());
    }

    [Fact]
    public void A_single_prompt_runs_through_a_cluster()
    {
        List<JsonElement> single = CliRunner.RunJsonLines("generate", "--prompt-ids", Ids(40, 10), "--max-tokens", "3", "--json", "--threads", "1");
        List<JsonElement> cluster = CliRunner.RunJsonLines("generate", "--prompt-ids", Ids(40, 10), "--max-tokens", "3", "--json",
            "--threads", "1", "--instances", "3", "--disaggregation", "pd-caching-2");

        Assert.Equal(CliRunner.Ids(single[0].GetProperty("output_ids")), CliRunner.Ids(cluster[0].GetProperty("output_ids")));
    }

    [Theory]
    [InlineData("pd-basic")]
    [InlineData("pd-caching-2")]
    public void By_layer_kv_transfer_gives_the_single_engine_outputs(string disaggregation)
    {
        using var dir = new TempDirectory();
        string file = RequestFile(dir);
        List<JsonElement> single = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json", "--threads", "1");

        List<JsonElement> cluster = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json", "--threads", "1",
            "--instances", "2", "--disaggregation", disaggregation, "--kv-transfer", "by-layer");

        Assert.Equal(3, cluster.Count);
        for (int i = 0; i < 3; i++)
            Assert.Equal(CliRunner.Ids(single[i].GetProperty("output_ids")), CliRunner.Ids(cluster[i].GetProperty("output_ids")));
    }

    [Theory]
    [InlineData("--kv-transfer", "sideways")]
    [InlineData("--disaggregation", "pd-magic")]
    [InlineData("--routing", "random")]
    [InlineData("--instances", "0")]
    public void Bad_cluster_options_are_usage_errors(string option, string value)
    {
        var (code, _, error) = CliRunner.Run("generate", "--prompt-ids", "1,2", option, value);

        Assert.Equal(2, code);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Pd_with_one_instance_is_a_usage_error()
    {
        var (code, _, error) = CliRunner.Run("generate", "--prompt-ids", "1,2", "--instances", "1", "--disaggregation", "pd-basic");

        Assert.Equal(2, code);
        Assert.Contains("at least 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_cluster_prints_a_row_per_routing_policy()
    {
        var (code, output, error) = CliRunner.Run("demo", "--cluster", "--sessions", "2", "--turns", "2", "--max-tokens", "2",
            "--threads", "1", "--memory-mb", "256");

        Assert.True(code == 0, error);
        Assert.Contains("routing        requests", output, StringComparison.Ordinal);
        Assert.Contains("\nprompt-tree ", output, StringComparison.Ordinal);
        Assert.Contains("\nround-robin ", output, StringComparison.Ordinal);
    }
}
