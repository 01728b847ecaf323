using MemServe.Chat;
using MemServe.Core.Tests.Model;

namespace MemServe.Core.Tests.Chat;

public sealed class TemplateLoadingTests
{
    [Fact]
    public void Config_without_chat_template_falls_back_to_ChatMl()
    {
        Assert.True(ChatTemplate.FromConfigJson("""{"eos_token": "</s>"}""").IsDefault);
    }

    [Fact]
    public void Named_template_list_uses_the_default_entry()
    {
        ChatTemplate template = ChatTemplate.FromConfigJson("""
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D{{ messages | length }}"}]}
            """);

        Assert.Equal("D1", template.Render([new("user", "x")], addGenerationPrompt: false));
    }

    [Fact]
    public void Special_tokens_may_be_added_token_objects()
    {
        ChatTemplate template = ChatTemplate.FromConfigJson("""
            {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "chat_template": "{{ bos_token }}|{{ eos_token }}|{{ unk_token }}"}
            """);

        Assert.Equal("<s>|</s>|", template.Render([], addGenerationPrompt: false));
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        var ex = Assert.Throws<ChatTemplateException>(() => ChatTemplate.FromConfigJson("{not json"));

        Assert.Contains("tokenizer_config.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_prefers_chat_template_jinja_and_falls_back_to_ChatMl()
    {
        using var dir = new TempDirectory();
        Assert.True(ChatTemplate.Load(dir.Path).IsDefault);

        dir.WriteText("tokenizer_config.json", """{"eos_token": "</s>", "chat_template": "from config"}""");
        Assert.Equal("from config", ChatTemplate.Load(dir.Path).Render([], addGenerationPrompt: false));

        dir.WriteText("chat_template.jinja", "from file {{ eos_token }}");
        Assert.Equal("from file </s>", ChatTemplate.Load(dir.Path).Render([], addGenerationPrompt: false));
    }

    [Fact]
    public void Load_of_a_missing_directory_throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ChatTemplate.Load(Path.Combine(Path.GetTempPath(), "no-such-memserve-dir-" + Guid.NewGuid())));
    }
}
