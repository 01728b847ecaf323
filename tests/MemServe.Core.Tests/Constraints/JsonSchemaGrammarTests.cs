using System.Text;
using System.Text.Json;
using MemServe.Constraints;
using MemServe.Core.Tests.Tokenization;

namespace MemServe.Core.Tests.Constraints;

/// <summary>Schema policies checked on exact byte strings (a vocabulary of the 256 single bytes), composition of
/// schema rules into bigger grammars, recursion, and masks shared across threads.</summary>
public sealed class JsonSchemaGrammarTests
{
    private static readonly TokenVocabulary s_bytes = TokenVocabulary.FromBytes([.. Enumerable.Range(0, 256).Select(b => new[] { (byte)b })]);

    /// <summary>True when <paramref name="text"/> is a whole sentence of <paramref name="constraint"/>.</summary>
    private static bool Accepts(OutputConstraint constraint, string text)
    {
        var matcher = new ConstraintMatcher(constraint, s_bytes);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (!matcher.IsAllowed(b))
                return false;
            matcher.Accept(b);
        }
        return matcher.CanEnd;
    }

    [Theory]
    [InlineData("""{"a":1,"b":"x"}""", true)]
    [InlineData("""{"a":1}""", true)]
    [InlineData("""{ "a": 1, "b": "x" }""", true)]
    [InlineData("{\n  \"a\": 1,\n  \"b\": \"x\"\n}", true)]
    [InlineData("""{"b":"x","a":1}""", false)] // schema order
    [InlineData("""{"b":"x"}""", false)] // a is required
    [InlineData("""{"a":1,"a":1}""", false)] // no repeats
    [InlineData("""{"a":1,"c":2}""", false)] // additionalProperties false
    [InlineData("""{"a":1.5}""", false)] // integer
    [InlineData("""{"a":1}  """, false)] // nothing after the value... beyond the whitespace policy
    [InlineData("{\"a\":\n                      1}", false)] // at most 20 spaces after a newline
    public void Object_policy_order_required_optional_and_whitespace(string text, bool expected)
    {
        var constraint = OutputConstraint.FromJsonSchema("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}""");
        Assert.Equal(expected, Accepts(constraint, text));
    }

    [Theory]
    [InlineData("""{"ab":"x","abc":1,"a":2,"":3}""", true)]
    [InlineData("""{"abd":1}""", true)]
    [InlineData("""{"ab":"x","ab":1}""", false)] // an extra key may not repeat a declared name
    [InlineData("""{"ab":1}""", false)] // the declared property must be a string
    [InlineData("""{"ab":"x","c":"y"}""", false)] // extras are integers
    public void Additional_properties_schema_applies_to_undeclared_keys_only(string text, bool expected)
    {
        var constraint = OutputConstraint.FromJsonSchema("""{"type":"object","properties":{"ab":{"type":"string"}},"additionalProperties":{"type":"integer"}}""");
        Assert.Equal(expected, Accepts(constraint, text));
    }

    [Theory]
    [InlineData("[1]", true)]
    [InlineData("[1,2,3]", true)]
    [InlineData("[]", false)]
    [InlineData("[1,2,3,4]", false)]
    [InlineData("[1,\"a\"]", false)]
    public void Array_bounds_and_items(string text, bool expected)
    {
        var constraint = OutputConstraint.FromJsonSchema("""{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}""");
        Assert.Equal(expected, Accepts(constraint, text));
    }

    [Theory]
    [InlineData("\"x\"", true)]
    [InlineData("null", true)]
    [InlineData("7", true)]
    [InlineData("{\"k\":[1]}", true)]
    [InlineData("\"y\"", false)]
    [InlineData("true", false)]
    public void AnyOf_oneOf_enum_const_and_type_arrays(string text, bool expected)
    {
        var constraint = OutputConstraint.FromJsonSchema("""{"oneOf":[{"const":"x"},{"type":["null","integer"]},{"enum":[{"k":[1]}, 2.5]}]}""");
        Assert.Equal(expected, Accepts(constraint, text));
    }

    [Fact]
    public void Recursive_refs_generate_valid_trees()
    {
        const string schema = """
            {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
              "kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["v"],"additionalProperties":false}},
             "$ref":"#/$defs/node"}
            """;
        var constraint = OutputConstraint.FromJsonSchema(schema);
        Assert.True(Accepts(constraint, """{"v":1,"kids":[{"v":2},{"v":3,"kids":[{"v":4,"kids":[]}]}]}"""));
        Assert.False(Accepts(constraint, """{"v":1,"kids":[{"w":2}]}"""));
        using var schemaDoc = JsonDocument.Parse(schema);
        var random = new Random(3);
        for (int run = 0; run < 3; run++)
        {
            using var doc = JsonDocument.Parse(SchemaGenerationTests.Generate(constraint, SchemaGenerationTests.Qwen, random));
            Assert.Null(SchemaValidator.Validate(doc.RootElement, schemaDoc.RootElement));
        }
    }

    [Fact]
    public void Schema_rules_compose_into_a_tool_call_grammar()
    {
        string call = JsonSchemaGrammar.ToGbnf("""{"type":"object","properties":{"name":{"const":"get_weather"},"arguments":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},"required":["name","arguments"]}""", "call");
        foreach (string line in call.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(line.StartsWith("call ::=", StringComparison.Ordinal) || line.StartsWith("call-", StringComparison.Ordinal), line);
        var constraint = OutputConstraint.FromGbnf("root ::= \"<tool_call>\\n\" call \"\\n</tool_call>\"\n" + call);
        var tokenizer = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        var matcher = new ConstraintMatcher(constraint, SchemaGenerationTests.Qwen);
        foreach (int id in tokenizer.Encode("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"))
        {
            Assert.True(matcher.IsAllowed(id), tokenizer.Decode([id]));
            matcher.Accept(id);
        }
        Assert.True(matcher.MustEnd);
    }

    [Fact]
    public void Matchers_on_many_threads_share_the_mask_cache_and_agree_with_a_fresh_matcher()
    {
        var constraint = OutputConstraint.FromJsonSchema("""{"type":"object","properties":{"id":{"type":"integer"},"tag":{"enum":["α","β"]},"note":{"type":"string"}},"required":["id","tag","note"]}""");
        var tokenizer = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        int[] ids = tokenizer.Encode("{\"id\": 12, \"tag\": \"β\", \"note\": \"shared masks\"}");
        var vocabulary = SchemaGenerationTests.Qwen;
        int words = (vocabulary.Count + 63) / 64;
        ulong[][] Run()
        {
            var matcher = new ConstraintMatcher(constraint, vocabulary);
            var masks = new ulong[ids.Length][];
            for (int i = 0; i < ids.Length; i++)
            {
                masks[i] = new ulong[words];
                matcher.FillAllowed(masks[i]);
                matcher.Accept(ids[i]);
            }
            return masks;
        }
        var results = new ulong[4][][];
        Parallel.For(0, results.Length, i => results[i] = Run());
        constraint.ClearMaskCaches();
        var fresh = Run();
        foreach (var result in results)
        {
            for (int i = 0; i < ids.Length; i++)
                Assert.Equal(fresh[i], result[i]);
        }
    }
}
