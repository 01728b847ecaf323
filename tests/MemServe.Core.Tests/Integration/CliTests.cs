using System.Text.Json;
using MemServe.Core.Tests.Model;
using MemServe.Core.Tests.Runner;
using MemServe.Model;

namespace MemServe.Core.Tests.Integration;

/// <summary>The <c>memserve</c> command-line contract that users and independent checks rely on.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class CliTests(ExportedDefaultModel exported) : IClassFixture<ExportedDefaultModel>
{
    [Fact]
    public void Exported_default_model_generates_what_the_embedded_one_does()
    {
        string[] common = ["generate", "--prompt", "The cache keeps", "--max-tokens", "12", "--json"];

        JsonElement embedded = CliRunner.RunJsonLines(common)[0];
        JsonElement fromDisk = CliRunner.RunJsonLines([.. common, "--model", exported.Path])[0];

        Assert.Equal(CliRunner.Ids(embedded.GetProperty("output_ids")), CliRunner.Ids(fromDisk.GetProperty("output_ids")));
        Assert.Equal(embedded.GetProperty("text").GetString(), fromDisk.GetProperty("text").GetString());
        Assert.Equal("length", fromDisk.GetProperty("finish_reason").GetString());
        JsonElement usage = fromDisk.GetProperty("usage");
        Assert.Equal(12, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("cached_prompt_tokens").GetInt32());
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 1);
    }

    [Fact]
    public void Logits_match_the_reference_forward_pass()
    {
        int[] prompt = [2229, 100, 200, 300, 400];

        JsonElement result = CliRunner.RunJsonLines("logits", "--model", exported.Path, "--prompt-ids", "2229,100,200,300,400", "--top", "5", "--all", "--json")[0];

        using InMemoryTensorSource weights = DefaultModel.CreateWeights();
        float[] expected = new ReferenceModel(DefaultModel.Config, weights).Forward(prompt)[^1];
        float[] all = result.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        LogitAssert.Close(expected, all, context: "memserve logits --all");
        JsonElement[] top = result.GetProperty("top").EnumerateArray().ToArray();
        Assert.Equal(5, top.Length);
        int best = Array.IndexOf(expected, expected.Max());
        Assert.Equal(best, top[0].GetProperty("id").GetInt32());
        for (int i = 1; i < top.Length; i++)
            Assert.True(top[i - 1].GetProperty("logit").GetSingle() >= top[i].GetProperty("logit").GetSingle());
    }

    [Fact]
    public void Tokenize_jsonl_reproduces_hugging_face_ids()
    {
        string folder = Path.Combine(TestData.Tokenizers, "qwen3");
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "expected.json")));
        JsonElement[] cases = expected.RootElement.GetProperty("cases").EnumerateArray().ToArray();
        using var dir = new TempDirectory();
        string input = dir.WriteText("texts.jsonl", string.Join('\n', cases.Select(c => JsonSerializer.Serialize(c.GetProperty("text").GetString()))));

        List<JsonElement> lines = CliRunner.RunJsonLines("tokenize", "--tokenizer", folder, "--jsonl", input, "--json");

        Assert.Equal(cases.Length, lines.Count);
        for (int i = 0; i < cases.Length; i++)
            Assert.Equal(CliRunner.Ids(cases[i].GetProperty("ids")), CliRunner.Ids(lines[i].GetProperty("ids")));
    }

    [Fact]
    public void Request_file_gives_the_same_greedy_outputs_concurrently_and_sequentially()
    {
        using var dir = new TempDirectory();
        string file = dir.WriteText("requests.jsonl", string.Join('\n',
            """{"prompt_ids":[2229,10,20,30],"max_tokens":9,"temperature":0,"ignore_eos":true}""",
            """{"prompt":"memory pools and prompt trees","max_tokens":5,"temperature":0}""",
            """{"prompt_ids":[2229,40,50,60,70,80,90,100,110,120,130,140,150,160,170,180,190,200],"max_tokens":7,"temperature":0,"ignore_eos":true}""",
            """{"prompt":"sampled","max_tokens":6,"temperature":0.8,"top_p":0.9,"seed":42,"ignore_eos":true}"""));

        List<JsonElement> together = CliRunner.RunJsonLines("generate", "--requests", file, "--json");
        List<JsonElement> oneByOne = CliRunner.RunJsonLines("generate", "--requests", file, "--sequential", "--json");

        Assert.Equal(4, together.Count);
        for (int i = 0; i < together.Count; i++)
        {
            Assert.Equal(i, together[i].GetProperty("index").GetInt32());
            Assert.Equal(CliRunner.Ids(oneByOne[i].GetProperty("output_ids")), CliRunner.Ids(together[i].GetProperty("output_ids")));
            Assert.True(together[i].GetProperty("ttft_ms").GetDouble() >= 0);
        }
        Assert.Equal(9, together[0].GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(18, together[2].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public void Export_writes_a_hugging_face_folder()
    {
        foreach (string file in new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(exported.Path, file)), $"{file} missing");

        JsonElement info = CliRunner.RunJsonLines("info", "--model", exported.Path, "--json")[0];

        Assert.Equal("llama", info.GetProperty("model_type").GetString());
        Assert.Equal("BF16", info.GetProperty("dtype").GetString());
        long parameters = info.GetProperty("parameters").GetInt64();
        Assert.InRange(parameters, 20_000_000, 120_000_000);
    }

    [Theory]
    [InlineData(new[] { "generate", "--model", "/nonexistent/model", "--prompt", "x" }, 2, "/nonexistent/model")]
    [InlineData(new[] { "generate", "--prompt-ids", "1,999999", "--json" }, 1, "999999")]
    [InlineData(new[] { "generate", "--prompt", "x", "--temperature", "-1" }, 1, "emperature")]
    [InlineData(new[] { "logits", "--prompt-ids", "" }, 1, "empty")]
    [InlineData(new[] { "generate", "--prompt", "x", "--bogus", "1" }, 2, "--bogus")]
    [InlineData(new[] { "frobnicate" }, 2, "frobnicate")]
    public void Bad_input_fails_with_a_message_naming_it(string[] args, int exitCode, string named)
    {
        var (code, _, error) = CliRunner.Run(args);

        Assert.Equal(exitCode, code);
        Assert.Contains(named, error);
    }
}
