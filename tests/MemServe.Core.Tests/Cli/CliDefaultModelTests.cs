using MemServe.Core.Tests.Integration;
using MemServe.Core.Tests.Model;
using MemServe.Model;
using MemServe.Tokenization;

namespace MemServe.Core.Tests.Cli;

/// <summary><c>tokenize</c> and <c>chat-template</c> without a model folder use the embedded default model, like every
/// other command: the same output as with the default model exported to disk.</summary>
public sealed class CliDefaultModelTests(ExportedDefaultModel exported) : IClassFixture<ExportedDefaultModel>
{
    [Fact]
    public void Tokenize_without_a_tokenizer_uses_the_default_models()
    {
        string[] texts = ["Hello, world!", "memory pools and prompt trees", "  two  spaces\nand a newline", "<|im_start|>user"];
        foreach (string text in texts)
        {
            var embedded = CliRunner.RunJsonLines("tokenize", "--text", text, "--add-special-tokens", "--json");
            var fromDisk = CliRunner.RunJsonLines("tokenize", "--tokenizer", exported.Path, "--text", text, "--add-special-tokens", "--json");
            var viaModel = CliRunner.RunJsonLines("tokenize", "--model", exported.Path, "--text", text, "--add-special-tokens", "--json");

            int[] ids = CliRunner.Ids(Assert.Single(embedded).GetProperty("ids"));
            Assert.NotEmpty(ids);
            Assert.Equal(CliRunner.Ids(Assert.Single(fromDisk).GetProperty("ids")), ids);
            Assert.Equal(CliRunner.Ids(Assert.Single(viaModel).GetProperty("ids")), ids);
        }
    }

    [Fact]
    public void Tokenize_text_output_is_space_separated_ids()
    {
        var (code, output, error) = CliRunner.Run("tokenize", "--text", "Hello, world!");
        var json = CliRunner.RunJsonLines("tokenize", "--text", "Hello, world!", "--json");

        Assert.True(code == 0, error);
        Assert.Equal(string.Join(' ', CliRunner.Ids(json[0].GetProperty("ids"))), output.TrimEnd('\n'));
    }

    [Fact]
    public void A_text_starting_with_at_is_text_not_a_response_file()
    {
        var lines = CliRunner.RunJsonLines("tokenize", "--text", "@notes.txt", "--json");

        Tokenizer reference = Tokenizer.FromJson(DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson);
        Assert.Equal(reference.Encode("@notes.txt"), CliRunner.Ids(Assert.Single(lines).GetProperty("ids")));
    }

    [Fact]
    public void Chat_template_without_a_tokenizer_renders_the_default_models_template()
    {
        using var dir = new TempDirectory();
        string messages = dir.WriteText("messages.json", """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]""");

        var embedded = CliRunner.RunJsonLines("chat-template", "--messages", messages, "--add-generation-prompt", "--json");
        var fromDisk = CliRunner.RunJsonLines("chat-template", "--tokenizer", exported.Path, "--messages", messages, "--add-generation-prompt", "--json");

        string text = Assert.Single(embedded).GetProperty("text").GetString()!;
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
        Assert.Equal(Assert.Single(fromDisk).GetProperty("text").GetString(), text);
    }
}
