using System.Text.Json;
using MemServe.Chat;

namespace MemServe.Core.Tests.Chat;

/// <summary>
/// The real Qwen3 template from the shared tokenizer. Expected strings were worked out by hand from the template
/// (and agree with Python Jinja rendered as Hugging Face does).
/// </summary>
public sealed class Qwen3ChatTemplateTests
{
    private static readonly Lazy<ChatTemplate> s_template = new(() => ChatTemplate.Load(Path.Combine(TestData.Tokenizers, "qwen3")));

    private static ChatTemplate Template => s_template.Value;

    [Fact]
    public void Loads_the_template_from_tokenizer_config()
    {
        Assert.False(Template.IsDefault);
        Assert.Contains("<|im_start|>", Template.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void System_and_user_with_generation_prompt()
    {
        string text = Template.Render([new("system", "You are helpful."), new("user", "Hi")], addGenerationPrompt: true);

        Assert.Equal("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Enable_thinking_false_adds_an_empty_think_block()
    {
        var extra = new Dictionary<string, object?> { ["enable_thinking"] = false };

        string text = Template.Render([new("system", "You are helpful."), new("user", "Hi")], addGenerationPrompt: true, extra);

        Assert.Equal("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", text);
    }

    [Fact]
    public void Multi_turn_without_system_drops_reasoning_of_earlier_assistant_turns()
    {
        ChatMessage[] messages =
        [
            new("user", "What is 2+2?"),
            new("assistant", "<think>\nsimple math\n</think>\n\n4"),
            new("user", "And 3+3?"),
        ];

        string text = Template.Render(messages, addGenerationPrompt: true);

        Assert.Equal(
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
            + "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Final_assistant_turn_after_the_last_query_gets_a_think_block()
    {
        string text = Template.Render([new("system", "S"), new("user", "Hi"), new("assistant", "Hello!")], addGenerationPrompt: false);

        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n", text);
    }

    [Fact]
    public void Reasoning_content_key_is_used_for_the_last_assistant_turn()
    {
        var assistant = new ChatMessage("assistant", "Paris.") { Extra = new Dictionary<string, object?> { ["reasoning_content"] = "\nCapital of France.\n" } };

        string text = Template.Render([new("user", "Capital?"), assistant], addGenerationPrompt: false);

        Assert.Equal("<|im_start|>user\nCapital?<|im_end|>\n<|im_start|>assistant\n<think>\nCapital of France.\n</think>\n\nParis.<|im_end|>\n", text);
    }

    [Fact]
    public void Tools_tool_calls_and_tool_responses()
    {
        JsonElement tools = JsonDocument.Parse("""
            [{"type":"function","function":{"name":"get_weather","description":"Get the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
            """).RootElement;
        JsonElement toolCalls = JsonDocument.Parse("""[{"type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]""").RootElement;
        ChatMessage[] messages =
        [
            new("user", "Weather in Paris?"),
            new("assistant", "") { Extra = new Dictionary<string, object?> { ["tool_calls"] = toolCalls } },
            new("tool", "{\"temp\": 21}"),
        ];

        string text = Template.Render(messages, addGenerationPrompt: true, new Dictionary<string, object?> { ["tools"] = tools });

        Assert.Equal(
            "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n"
            + "</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
            + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n<|im_start|>assistant\n", text);
    }
}
