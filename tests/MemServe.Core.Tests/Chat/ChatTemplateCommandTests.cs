using MemServe.Core.Tests.Integration;
using MemServe.Core.Tests.Model;

namespace MemServe.Core.Tests.Chat;

/// <summary><c>memserve chat-template</c> run in-process.</summary>
public sealed class ChatTemplateCommandTests
{
    private static string Qwen3 => Path.Combine(TestData.Tokenizers, "qwen3");

    [Fact]
    public void Json_output_holds_the_rendered_text()
    {
        using var dir = new TempDirectory();
        string messages = dir.WriteText("messages.json", """
            [{"role": "system", "content": "You are helpful."},
             {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]}]
            """);

        var lines = CliRunner.RunJsonLines("chat-template", "--tokenizer", Qwen3, "--messages", messages, "--add-generation-prompt", "--json");

        Assert.Single(lines);
        Assert.Equal("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", lines[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Raw_output_is_the_text_itself()
    {
        using var dir = new TempDirectory();
        string messages = dir.WriteText("messages.json", """[{"role": "user", "content": "Hi"}]""");

        var (code, output, error) = CliRunner.Run("chat-template", "--tokenizer", Qwen3, "--messages", messages);

        Assert.True(code == 0, error);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n", output);
    }

    [Fact]
    public void Template_raise_exception_is_reported_with_exit_code_1()
    {
        using var dir = new TempDirectory();
        dir.WriteText("tokenizer_config.json", """{"chat_template": "{% if messages[0].role != 'user' %}{{ raise_exception('First message must be from the user') }}{% endif %}"}""");
        string messages = dir.WriteText("messages.json", """[{"role": "assistant", "content": "Hi"}]""");

        var (code, _, error) = CliRunner.Run("chat-template", "--tokenizer", dir.Path, "--messages", messages);

        Assert.Equal(1, code);
        Assert.Contains("ChatTemplateException: First message must be from the user", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_messages_file_is_reported_with_its_name()
    {
        using var dir = new TempDirectory();
        string messages = dir.WriteText("messages.json", """[{"content": "no role"}]""");

        var (code, _, error) = CliRunner.Run("chat-template", "--tokenizer", Qwen3, "--messages", messages);

        Assert.Equal(1, code);
        Assert.Contains("messages.json: message 0: \"role\" must be a string", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_messages_option_is_a_usage_error()
    {
        var (code, _, error) = CliRunner.Run("chat-template", "--tokenizer", Qwen3);

        Assert.Equal(2, code);
        Assert.Contains("--messages", error, StringComparison.Ordinal);
    }
}
