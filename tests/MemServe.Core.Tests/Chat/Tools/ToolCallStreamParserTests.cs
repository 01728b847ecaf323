using System.Text;
using System.Text.Json;
using MemServe.Chat;
using MemServe.Chat.Tools;

namespace MemServe.Core.Tests.Chat.Tools;

/// <summary>
/// Parsing calls out of model output in the three families' formats. The round-trip tests take the text each real
/// template renders for an assistant turn that called tools, which is the format the model was trained to write.
/// </summary>
public sealed class ToolCallStreamParserTests
{
    private static readonly HashSet<string> s_names = ["get_weather", "get_time"];

    [Fact]
    public void Qwen3_round_trip_reads_back_the_calls_its_template_renders()
    {
        List<ChatMessage> history =
        [
            new("user", "Weather and time in Paris?"),
            new("assistant", "") { Extra = TwoCalls("call_a", "call_b") },
            new("tool", "21"),
            new("tool", "noon"),
            new("assistant", "21 C at noon."),
            new("user", "Thanks"),
        ];
        string rendered = ToolTemplates.Qwen3.Render(history, addGenerationPrompt: false);
        string output = Between(rendered, "<|im_start|>assistant\n", "<|im_end|>");

        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Hermes, output);

        Assert.Equal("", content);
        Assert.Equal(2, calls.Count);
        AssertCall(calls[0], "get_weather", """{"city":"Paris"}""");
        AssertCall(calls[1], "get_time", """{"zone":"CET"}""");
    }

    [Fact]
    public void Llama32_round_trip_reads_back_the_call_its_template_renders()
    {
        List<ChatMessage> history = [new("user", "Weather in Paris?"), new("assistant", "") { Extra = OneCall("call_a") }];
        string rendered = ToolTemplates.Llama32.Render(history, addGenerationPrompt: false, new Dictionary<string, object?> { ["date_string"] = "1 Jan 2025" });
        string output = Between(rendered, "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>");

        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Llama3Json, output);

        Assert.Equal("", content);
        AssertCall(Assert.Single(calls), "get_weather", """{"city":"Paris"}""");
    }

    [Fact]
    public void MistralNemo_round_trip_reads_back_the_calls_its_template_renders()
    {
        List<ChatMessage> history = [new("user", "Weather and time in Paris?"), new("assistant", "") { Extra = TwoCalls("abcDEF123", "xyzXYZ789") }];
        string rendered = ToolTemplates.MistralNemo.Render(history, addGenerationPrompt: false);
        string output = Between(rendered, "[/INST]", "</s>");
        Assert.StartsWith("[TOOL_CALLS][", output, StringComparison.Ordinal);

        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Mistral, output);
        (_, List<ToolCall> withoutMarker) = Parse(ToolCallFormat.Mistral, output["[TOOL_CALLS]".Length..]);

        Assert.Equal("", content);
        Assert.Equal(2, calls.Count);
        AssertCall(calls[0], "get_weather", """{"city":"Paris"}""");
        AssertCall(calls[1], "get_time", """{"zone":"CET"}""");
        Assert.Equal(2, withoutMarker.Count);
        Assert.All(calls, c => Assert.Equal(9, c.Id.Length));
    }

    [Fact]
    public void Hermes_content_before_a_call_stays_content()
    {
        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Hermes,
            "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n");

        Assert.Equal("Let me check.\n", content);
        AssertCall(Assert.Single(calls), "get_weather", """{"city":"Oslo"}""");
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>")]
    [InlineData("<tool_call>\n{\"arguments\": {}}\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"launch_rockets\", \"arguments\": {}}\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": [1]}\n</tool_call>")]
    [InlineData("Sure <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}")]
    public void Hermes_malformed_calls_come_back_as_content(string output)
    {
        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Hermes, output);

        Assert.Empty(calls);
        Assert.Equal(output, content);
    }

    [Fact]
    public void Hermes_malformed_call_between_good_ones_is_kept_as_content()
    {
        string bad = "<tool_call>\n{oops}\n</tool_call>";
        string output = Good("get_weather") + "\n" + bad + "\n" + Good("get_time");

        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Hermes, output);

        Assert.Equal(bad + "\n", content);
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
    }

    [Fact]
    public void Only_the_first_call_is_kept_when_parallel_calls_are_off()
    {
        string output = Good("get_weather") + "\n" + Good("get_time");

        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Hermes, output, allowMultiple: false);

        Assert.Equal("", content);
        Assert.Equal("get_weather", Assert.Single(calls).Name);
    }

    [Theory]
    [InlineData("<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}", 1)]
    [InlineData("  {\"type\": \"function\", \"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}", 1)]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}; {\"name\": \"get_time\", \"parameters\": {}}", 2)]
    public void Llama_json_calls_are_read_with_or_without_the_python_tag(string output, int count)
    {
        (string content, List<ToolCall> calls) = Parse(ToolCallFormat.Llama3Json, output);

        Assert.Equal("", content);
        Assert.Equal(count, calls.Count);
        AssertCall(calls[0], "get_weather", """{"city":"Rome"}""");
    }

    [Theory]
    [InlineData(ToolCallFormat.Llama3Json, "{\"answer\": 42}")]
    [InlineData(ToolCallFormat.Llama3Json, "{\"name\": \"get_weather\", \"parameters\": {\"city\": ")]
    [InlineData(ToolCallFormat.Mistral, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {}")]
    [InlineData(ToolCallFormat.Mistral, "[1, 2, 3]")]
    public void Json_that_is_not_a_valid_call_comes_back_as_content(ToolCallFormat format, string output)
    {
        (string content, List<ToolCall> calls) = Parse(format, output);

        Assert.Empty(calls);
        Assert.Equal(output, content);
    }

    [Fact]
    public void Plain_text_is_passed_on_at_once_and_a_possible_marker_is_held_back()
    {
        var calls = new List<ToolCall>();
        var hermes = new ToolCallStreamParser(ToolCallFormat.Hermes, knownNames: s_names);
        var llama = new ToolCallStreamParser(ToolCallFormat.Llama3Json, knownNames: s_names);

        Assert.Equal("Hello", hermes.Push("Hello", calls));
        Assert.Equal(" there ", hermes.Push(" there <tool", calls));
        Assert.Equal("<toolbox", hermes.Push("box", calls));
        Assert.Equal("", llama.Push("  ", calls));
        Assert.Equal("  The answer", llama.Push("The answer", calls));
        Assert.Empty(calls);
    }

    [Fact]
    public void A_hermes_call_is_emitted_as_soon_as_it_closes()
    {
        var calls = new List<ToolCall>();
        var parser = new ToolCallStreamParser(ToolCallFormat.Hermes, knownNames: s_names);

        parser.Push(Good("get_weather")[..20], calls);
        Assert.Empty(calls);
        parser.Push(Good("get_weather")[20..], calls);
        Assert.Single(calls);
    }

    public static TheoryData<ToolCallFormat, string> Outputs => new()
    {
        { ToolCallFormat.Hermes, "Plain answer with < and <tool and </tool_call> inside." },
        { ToolCallFormat.Hermes, "Checking.\n" + Good("get_weather") + "\n" + Good("get_time") + "\n" },
        { ToolCallFormat.Hermes, Good("get_weather") + "\nAnd some text after.  " },
        { ToolCallFormat.Hermes, "<tool_call>\n{broken\n</tool_call>\n" + Good("get_time") },
        { ToolCallFormat.Hermes, "Half <tool_call>{\"name\": \"get_weather\"" },
        { ToolCallFormat.Llama3Json, "<|python_tag|>{\"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\"}}" },
        { ToolCallFormat.Llama3Json, "\n{\"name\": \"get_weather\", \"parameters\": {}}; {\"name\": \"get_time\", \"parameters\": {}}" },
        { ToolCallFormat.Llama3Json, "I will not call {\"name\": \"get_time\"} here." },
        { ToolCallFormat.Llama3Json, "{\"not\": \"a call\"}" },
        { ToolCallFormat.Mistral, "[TOOL_CALLS][{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]" },
        { ToolCallFormat.Mistral, "Some text, then [TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {}}]" },
        { ToolCallFormat.Mistral, "[TOOL_C is not a marker" },
        { ToolCallFormat.None, "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>" },
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void Any_split_of_the_output_gives_what_the_whole_output_gives(ToolCallFormat format, string output)
    {
        (string content, List<ToolCall> calls) = Parse(format, output);

        for (int piece = 1; piece <= 7; piece += 3)
        {
            var parser = new ToolCallStreamParser(format, knownNames: s_names);
            var streamed = new List<ToolCall>();
            var text = new StringBuilder();
            for (int i = 0; i < output.Length; i += piece) text.Append(parser.Push(output.Substring(i, Math.Min(piece, output.Length - i)), streamed));
            text.Append(parser.Finish(streamed));

            Assert.Equal(content, text.ToString());
            Assert.Equal(calls.Select(c => (c.Name, c.ArgumentsJson)), streamed.Select(c => (c.Name, c.ArgumentsJson)));
        }
        // Nothing is lost: the content plus the calls account for the whole output (the reference: no parsing at all).
        if (calls.Count == 0) Assert.Equal(output, content);
    }

    private static (string Content, List<ToolCall> Calls) Parse(ToolCallFormat format, string output, bool allowMultiple = true)
    {
        var parser = new ToolCallStreamParser(format, allowMultiple, s_names);
        var calls = new List<ToolCall>();
        string content = parser.Push(output, calls) + parser.Finish(calls);
        return (content, calls);
    }

    private static void AssertCall(ToolCall call, string name, string arguments)
    {
        Assert.Equal(name, call.Name);
        Assert.Equal(arguments, call.ArgumentsJson);
        Assert.False(string.IsNullOrEmpty(call.Id));
    }

    private static string Good(string name) => "<tool_call>\n{\"name\": \"" + name + "\", \"arguments\": {}}\n</tool_call>";

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    private static Dictionary<string, object?> OneCall(string id) => new()
    {
        ["tool_calls"] = JsonDocument.Parse("""[{"id":"ID1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]""".Replace("ID1", id, StringComparison.Ordinal)).RootElement,
    };

    private static Dictionary<string, object?> TwoCalls(string first, string second) => new()
    {
        ["tool_calls"] = JsonDocument.Parse("""
            [{"id":"ID1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}},
             {"id":"ID2","type":"function","function":{"name":"get_time","arguments":{"zone":"CET"}}}]
            """.Replace("ID1", first, StringComparison.Ordinal).Replace("ID2", second, StringComparison.Ordinal)).RootElement,
    };
}
