using System.Text.Json.Nodes;
using MemServe.Chat;
using MemServe.Model;
using MemServe.Tokenization;

namespace MemServe.Extensions.Tools;

/// <summary>The real Qwen3 chat template (shared/testdata) and the default model's tokenizer, for tool-call tests.</summary>
internal static class ToolTestData
{
    private static readonly Lazy<string> s_qwen3Config = new(() => File.ReadAllText(Path.Combine(FindTokenizers(), "qwen3", "tokenizer_config.json")));
    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => Tokenizer.FromJson(DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson));

    /// <summary>Qwen3's template (Hermes <c>&lt;tool_call&gt;</c>).</summary>
    public static ChatTemplate Qwen3Template => ChatTemplate.FromConfigJson(s_qwen3Config.Value);

    /// <summary>The default model's tokenizer (what the test servers and engines encode prompts with).</summary>
    public static Tokenizer Tokenizer => s_tokenizer.Value;

    /// <summary>Writes the default model to <paramref name="directory"/> with Qwen3's chat template in its tokenizer_config.json.</summary>
    public static void ExportDefaultModelWithQwen3Template(string directory)
    {
        DefaultModel.Export(directory);
        JsonNode config = JsonNode.Parse(DefaultModel.TokenizerConfigJson)!;
        config["chat_template"] = JsonNode.Parse(s_qwen3Config.Value)!["chat_template"]!.GetValue<string>();
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString());
    }

    private static string FindTokenizers()
    {
        if (Environment.GetEnvironmentVariable("MEMSERVE_SHARED_DIR") is { Length: > 0 } configured
            && Directory.Exists(Path.Combine(configured, "testdata", "tokenizers")))
            return Path.Combine(configured, "testdata", "tokenizers");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { dir.FullName, Path.Combine(dir.FullName, "shared") })
                if (Directory.Exists(Path.Combine(candidate, "testdata", "tokenizers"))) return Path.Combine(candidate, "testdata", "tokenizers");
        }
        throw new DirectoryNotFoundException($"no shared/testdata/tokenizers above {AppContext.BaseDirectory}");
    }
}
