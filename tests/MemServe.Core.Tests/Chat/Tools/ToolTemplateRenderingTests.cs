using System.Text.Json;
using MemServe.Chat;
using MemServe.Chat.Tools;

namespace MemServe.Core.Tests.Chat.Tools;

/// <summary>
/// Tools, a tool call and its result rendered through the real Llama 3.2 and Mistral Nemo templates. The expected
/// strings were rendered by Python Jinja2 set up as Hugging Face's <c>apply_chat_template</c> (trim_blocks, lstrip_blocks,
/// <c>tojson</c> = <c>json.dumps(ensure_ascii=False)</c>) from the same inputs.
/// </summary>
public sealed class ToolTemplateRenderingTests
{
    private static readonly JsonElement s_tools = JsonDocument.Parse("""
        [{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
        """).RootElement;

    [Fact]
    public void Detects_the_family_of_each_real_template()
    {
        Assert.Equal(ToolCallFormat.Hermes, ToolCallFormats.Detect(ToolTemplates.Qwen3.Source));
        Assert.Equal(ToolCallFormat.Llama3Json, ToolCallFormats.Detect(ToolTemplates.Llama32.Source));
        Assert.Equal(ToolCallFormat.Mistral, ToolCallFormats.Detect(ToolTemplates.MistralNemo.Source));
        Assert.Equal(ToolCallFormat.None, ToolCallFormats.Detect(ChatTemplate.ChatMl.Source));
    }

    [Fact]
    public void Llama32_renders_tools_a_call_and_its_result_as_hugging_face_does()
    {
        List<ChatMessage> messages =
        [
            new("system", "Be brief."),
            new("user", "Weather in Paris?"),
            new("assistant", "") { Extra = Calls("call_1") },
            new("tool", "{\"temp\": 21}") { Extra = new Dictionary<string, object?> { ["tool_call_id"] = "call_1", ["name"] = "get_weather" } },
        ];

        string text = ToolTemplates.Llama32.Render(messages, addGenerationPrompt: true,
            new Dictionary<string, object?> { ["tools"] = s_tools, ["date_string"] = "26 Jul 2024" });

        Assert.Equal("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\nRespond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n        \"description\": \"Current weather\",\n        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\"\n                }\n            },\n            \"required\": [\n                \"city\"\n            ]\n        }\n    }\n}\n\nWeather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n\"{\\\"temp\\\": 21}\"<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", text);
    }

    [Fact]
    public void MistralNemo_renders_tools_a_call_and_its_result_as_hugging_face_does()
    {
        List<ChatMessage> messages =
        [
            new("system", "Be brief."),
            new("user", "Weather in Paris?"),
            new("assistant", "") { Extra = Calls("abcDEF123") },
            new("tool", "{\"temp\": 21}") { Extra = new Dictionary<string, object?> { ["tool_call_id"] = "abcDEF123", ["name"] = "get_weather" } },
            new("assistant", "It is 21 C."),
            new("user", "Thanks"),
        ];

        string text = ToolTemplates.MistralNemo.Render(messages, addGenerationPrompt: true, new Dictionary<string, object?> { ["tools"] = s_tools });

        Assert.Equal("<s>[INST]Weather in Paris?[/INST][TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}]</s>[TOOL_RESULTS]{\"content\": {\"temp\": 21}, \"call_id\": \"abcDEF123\"}[/TOOL_RESULTS]It is 21 C.</s>[AVAILABLE_TOOLS][{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}][/AVAILABLE_TOOLS][INST]Be brief.\n\nThanks[/INST]", text);
    }

    [Fact]
    public void MistralNemo_refuses_call_ids_that_are_not_nine_characters()
    {
        List<ChatMessage> messages = [new("user", "Weather?"), new("assistant", "") { Extra = Calls("call_1") }];

        var error = Assert.Throws<ChatTemplateException>(() => ToolTemplates.MistralNemo.Render(messages, addGenerationPrompt: false));

        Assert.True(error.RaisedByTemplate);
        Assert.Contains("length 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mistral_call_ids_have_the_nine_alphanumeric_characters_its_template_requires()
    {
        string id = ToolCallFormats.NewCallId(ToolCallFormat.Mistral);

        Assert.Equal(9, id.Length);
        Assert.True(id.All(char.IsAsciiLetterOrDigit), id);
        Assert.StartsWith("call_", ToolCallFormats.NewCallId(ToolCallFormat.Hermes), StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> Calls(string id) => new()
    {
        ["tool_calls"] = JsonDocument.Parse("""[{"id":"ID1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]""".Replace("ID1", id, StringComparison.Ordinal)).RootElement,
    };
}
