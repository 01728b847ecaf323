using System.Text.Json;
using MemServe.Core.Tests.Integration;
using MemServe.Core.Tests.Model;
using MemServe.Core.Tests.Runner;

namespace MemServe.Core.Tests.PrefixCache;

/// <summary><c>memserve generate --requests FILE --sequential --json</c> on the default model reports the
/// cached-token rule and gives the same outputs as with the cache off.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class CliPrefixCacheTests
{
    private static string Ids(int start, int count) => string.Join(',', Enumerable.Range(start, count));

    [Fact]
    public void Sequential_requests_report_cached_full_blocks_and_match_uncached_outputs()
    {
        using var dir = new TempDirectory();
        string shared = Ids(100, 32);
        string file = dir.WriteText("requests.jsonl", string.Join('\n',
            $$"""{"prompt_ids":[{{shared}}],"max_tokens":3,"temperature":0,"ignore_eos":true}""",
            $$"""{"prompt_ids":[{{shared}}],"max_tokens":3,"temperature":0,"ignore_eos":true}""",
            $$"""{"prompt_ids":[{{shared}},{{Ids(500, 8)}}],"max_tokens":3,"temperature":0,"ignore_eos":true}"""));

        List<JsonElement> cached = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json");
        List<JsonElement> uncached = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json", "--prefix-cache", "off");

        int[] expectedCached = [0, 16, 32]; // identical 32-token prompt: one block recomputed for logits
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expectedCached[i], cached[i].GetProperty("usage").GetProperty("cached_prompt_tokens").GetInt32());
            Assert.Equal(0, uncached[i].GetProperty("usage").GetProperty("cached_prompt_tokens").GetInt32());
            Assert.Equal(CliRunner.Ids(uncached[i].GetProperty("output_ids")), CliRunner.Ids(cached[i].GetProperty("output_ids")));
        }
    }

    [Fact]
    public void A_bad_prefix_cache_switch_is_a_usage_error()
    {
        var (code, _, error) = CliRunner.Run("generate", "--prompt-ids", "1,2", "--prefix-cache", "maybe");

        Assert.Equal(2, code);
        Assert.Contains("--prefix-cache", error);
    }
}
