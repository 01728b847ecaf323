using MemServe.Constraints;

namespace MemServe.Core.Tests.Constraints;

/// <summary>Schemas and grammars that cannot be compiled throw <see cref="ConstraintCompileException"/> naming the
/// keyword and path, or the line and column.</summary>
public sealed class ConstraintCompileErrorTests
{
    [Theory]
    [InlineData("""{"type":"string","pattern":"^a"}""", "pattern", "$")]
    [InlineData("""{"type":"string","format":"date"}""", "format", "$")]
    [InlineData("""{"type":"string","minLength":2}""", "minLength", "$")]
    [InlineData("""{"type":"object","properties":{"age":{"type":"integer","minimum":0}}}""", "minimum", "$.properties.age")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{}}}""", "patternProperties", "$")]
    [InlineData("""{"not":{"type":"null"}}""", "not", "$")]
    [InlineData("""{"allOf":[{"type":"null"}]}""", "allOf", "$")]
    [InlineData("""{"if":{"type":"null"},"then":{"type":"null"}}""", "if", "$")]
    [InlineData("""{"type":"array","items":{"type":"number","multipleOf":2}}""", "multipleOf", "$.items")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"null"}]}""", "prefixItems", "$")]
    [InlineData("""{"anyOf":[{"type":"null"},{"uniqueItems":true}]}""", "uniqueItems", "$.anyOf[1]")]
    [InlineData("""{"$defs":{"a":{"type":"string","maxLength":3}},"$ref":"#/$defs/a"}""", "maxLength", "$.$defs.a")]
    public void Unsupported_schema_keywords_are_rejected_by_name_and_path(string schema, string keyword, string path)
    {
        var error = Assert.Throws<ConstraintCompileException>(() => OutputConstraint.FromJsonSchema(schema));
        Assert.Equal(keyword, error.Keyword);
        Assert.Equal(path, error.Path);
        Assert.Contains($"'{keyword}'", error.Message);
        Assert.IsAssignableFrom<InvalidRequestException>(error);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["b"]}""", "required")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":2}""", "maxItems")]
    [InlineData("""{"type":"strin"}""", "type")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$ref")]
    [InlineData("""{"$ref":"http://example.com/s.json"}""", "$ref")]
    [InlineData("""{"type":"integer","enum":["a"]}""", "enum")]
    public void Inconsistent_schemas_are_rejected_by_keyword(string schema, string keyword)
    {
        var error = Assert.Throws<ConstraintCompileException>(() => OutputConstraint.FromJsonSchema(schema));
        Assert.Equal(keyword, error.Keyword);
    }

    [Fact]
    public void Annotations_are_accepted()
    {
        const string schema = """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"t","description":"d",
             "type":"object","properties":{"a":{"type":"string","default":"q","examples":["e"]}},
             "required":["a"],"additionalProperties":false}
            """;
        Assert.Equal("json_schema", OutputConstraint.FromJsonSchema(schema).Description);
    }

    [Fact]
    public void A_schema_that_is_not_json_is_rejected()
    {
        Assert.Throws<ConstraintCompileException>(() => OutputConstraint.FromJsonSchema("{\"type\":"));
    }

    [Theory]
    [InlineData("root ::= \"a\" undefined-rule", 1, 14, "not defined")]
    [InlineData("root ::= \"a\"\nother ::= [a-", 2, 11, "unterminated character class")]
    [InlineData("root ::= \"abc", 1, 10, "unterminated string")]
    [InlineData("root ::= \"a\" \\q", 1, 14, "unexpected character")]
    [InlineData("root ::= \"\\q\"", 1, 11, "unknown escape")]
    [InlineData("root ::= ( \"a\"", 1, 15, "expected ')'")]
    [InlineData("root \"a\"", 1, 6, "expected '::='")]
    [InlineData("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"", 2, 1, "left-recursive")]
    [InlineData("root ::= \"a\"{3,2}", 1, 13, "max below min")]
    [InlineData("root ::= * \"a\"", 1, 10, "nothing to repeat")]
    [InlineData("start ::= \"a\"", 1, 1, "no rule 'root'")]
    [InlineData("root ::= \"a\"\nroot ::= \"b\"", 2, 1, "defined twice")]
    [InlineData("root ::= [z-a]", 1, 11, "before its start")]
    public void Grammar_errors_name_line_and_column(string grammar, int line, int column, string problem)
    {
        var error = Assert.Throws<ConstraintCompileException>(() => OutputConstraint.FromGbnf(grammar));
        Assert.Contains(problem, error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith($"grammar {line}:{column}:", error.Message);
    }

    [Fact]
    public void Llama_cpp_style_grammar_with_comments_and_multi_line_rules_compiles()
    {
        const string grammar = """
            # a list of greetings
            root ::= greeting ("," ws greeting){0,3}
            greeting ::=
              ( "hello" | "hi" )   # either
              [ \t]? name
            name ::= [A-Z] [a-z\u00e0-\u00ff]* | "\x41\u00e9\U0001F600"
            ws ::= " "?
            """;
        Assert.Equal("gbnf", OutputConstraint.FromGbnf(grammar).Description);
    }
}
