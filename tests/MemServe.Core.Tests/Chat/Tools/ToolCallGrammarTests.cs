using MemServe.Chat.Tools;

namespace MemServe.Core.Tests.Chat.Tools;

/// <summary>The GBNF of forced calls, with a stand-in schema converter that returns one trivial rule.</summary>
public sealed class ToolCallGrammarTests
{
    private static readonly ToolDefinition[] s_tools =
    [
        new("get_weather", """{"type":"object","properties":{"city":{"type":"string"}}}"""),
        new("get_time", ToolDefinition.EmptyParametersSchemaJson),
    ];

    private static readonly List<(string Schema, string Rule)> s_seen = [];

    private static string FakeToGbnf(string schema, string rule)
    {
        lock (s_seen) s_seen.Add((schema, rule));
        return rule + " ::= \"{}\"\n";
    }

    [Fact]
    public void Hermes_required_offers_every_tool_and_repeats_calls_when_parallel()
    {
        string gbnf = ToolCallGrammar.Build(ToolCallFormat.Hermes, s_tools, forcedName: null, allowMultiple: true, FakeToGbnf);

        Assert.Equal(
            "root ::= call (\"\\n\" call)*\n"
            + "call ::= \"<tool_call>\\n\" call-body \"\\n</tool_call>\"\n"
            + "call-body ::= tool0 | tool1\n"
            + "tool0 ::= \"{\\\"name\\\": \\\"get_weather\\\", \\\"arguments\\\": \" tool0-args \"}\"\n"
            + "tool0-args ::= \"{}\"\n"
            + "tool1 ::= \"{\\\"name\\\": \\\"get_time\\\", \\\"arguments\\\": \" tool1-args \"}\"\n"
            + "tool1-args ::= \"{}\"\n", gbnf);
    }

    [Fact]
    public void A_named_choice_allows_only_that_function_once()
    {
        string gbnf = ToolCallGrammar.Build(ToolCallFormat.Hermes, s_tools, forcedName: "get_time", allowMultiple: true, FakeToGbnf);

        Assert.StartsWith("root ::= call\n", gbnf, StringComparison.Ordinal);
        Assert.Contains("call-body ::= tool1\n", gbnf, StringComparison.Ordinal);
        Assert.DoesNotContain("get_weather", gbnf, StringComparison.Ordinal);
    }

    [Fact]
    public void The_converter_gets_each_parameters_schema_and_its_rule_name()
    {
        string gbnf = ToolCallGrammar.Build(ToolCallFormat.Llama3Json, s_tools, forcedName: null, allowMultiple: false, (schema, rule) =>
        {
            Assert.Equal(rule == "tool0-args" ? s_tools[0].ParametersSchemaJson : s_tools[1].ParametersSchemaJson, schema);
            return rule + " ::= \"{}\"";
        });

        Assert.Equal(
            "root ::= call-body\n"
            + "call-body ::= tool0 | tool1\n"
            + "tool0 ::= \"{\\\"name\\\": \\\"get_weather\\\", \\\"parameters\\\": \" tool0-args \"}\"\n"
            + "tool0-args ::= \"{}\"\n"
            + "tool1 ::= \"{\\\"name\\\": \\\"get_time\\\", \\\"parameters\\\": \" tool1-args \"}\"\n"
            + "tool1-args ::= \"{}\"\n", gbnf);
    }

    [Fact]
    public void Mistral_is_a_json_array_of_calls()
    {
        string parallel = ToolCallGrammar.Build(ToolCallFormat.Mistral, s_tools, forcedName: null, allowMultiple: true, FakeToGbnf);
        string single = ToolCallGrammar.Build(ToolCallFormat.Mistral, s_tools, forcedName: null, allowMultiple: false, FakeToGbnf);

        Assert.StartsWith("root ::= \"[\" call-body (\", \" call-body)* \"]\"\n", parallel, StringComparison.Ordinal);
        Assert.StartsWith("root ::= \"[\" call-body \"]\"\n", single, StringComparison.Ordinal);
        Assert.Contains("\\\"arguments\\\": ", single, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forced_text_of_the_grammar_parses_back_as_the_call()
    {
        // The literal parts of the Hermes grammar with "{}" arguments, assembled by hand, are what the parser reads.
        const string forced = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>";
        var calls = new List<ToolCall>();
        var parser = new ToolCallStreamParser(ToolCallFormat.Hermes);

        string content = parser.Push(forced, calls) + parser.Finish(calls);

        Assert.Equal("", content);
        Assert.Equal("get_weather", Assert.Single(calls).Name);
    }

    [Theory]
    [InlineData(ToolCallFormat.Llama3Json, "{\"name\": \"get_time\", \"parameters\": {}}")]
    [InlineData(ToolCallFormat.Mistral, "[{\"name\": \"get_time\", \"arguments\": {}}]")]
    public void The_forced_text_of_each_format_parses_back_as_the_call(ToolCallFormat format, string forced)
    {
        // The grammar's literals for a named call with "{}" arguments must be exactly this text.
        string gbnf = ToolCallGrammar.Build(format, s_tools, forcedName: "get_time", allowMultiple: false, FakeToGbnf);
        string prefix = forced[..forced.IndexOf("{}", StringComparison.Ordinal)];
        Assert.Contains(MemServe.Constraints.JsonGrammarText.Literal(prefix.TrimStart('[')), gbnf, StringComparison.Ordinal);
        var calls = new List<ToolCall>();
        var parser = new ToolCallStreamParser(format);

        string content = parser.Push(forced, calls) + parser.Finish(calls);

        Assert.Equal("", content);
        Assert.Equal("get_time", Assert.Single(calls).Name);
    }

    [Fact]
    public void Unknown_forced_name_and_no_tools_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ToolCallGrammar.Build(ToolCallFormat.Hermes, s_tools, "nope", true, FakeToGbnf));
        Assert.Throws<ArgumentException>(() => ToolCallGrammar.Build(ToolCallFormat.Hermes, [], null, true, FakeToGbnf));
        Assert.Throws<ArgumentException>(() => ToolCallGrammar.Build(ToolCallFormat.None, s_tools, null, true, FakeToGbnf));
    }
}
