using MemServe.Chat;

namespace MemServe.Core.Tests.Chat;

/// <summary>Parse and render errors name the problem and where it is.</summary>
public sealed class TemplateErrorTests
{
    [Theory]
    [InlineData("{% foo %}", "unknown tag 'foo'", 1, 4)]
    [InlineData("ok\n{% if x %}abc", "unexpected end of template: expected '{% elif %}' or '{% else %}' or '{% endif %}'", 2, 14)]
    [InlineData("line1\n{{ x | frobnicate }}", "unknown filter 'frobnicate'", 2, 8)]
    [InlineData("{{ x is weird }}", "unknown test 'weird'", 1, 9)]
    [InlineData("{% include 'other.jinja' %}", "unsupported construct: the 'include' tag is outside the chat-template subset", 1, 4)]
    [InlineData("{% for x in y recursive %}{% endfor %}", "unsupported construct: recursive for loops", 1, 4)]
    [InlineData("{{ x ", "unclosed tag: '{{' has no matching '}}'", 1, 1)]
    [InlineData("{# never closed", "unclosed comment: '{#' has no matching '#}'", 1, 1)]
    [InlineData("{{ 'abc }}", "unterminated string literal", 1, 4)]
    [InlineData("{% endif %}", "unexpected '{% endif %}' with no open block it could close", 1, 4)]
    [InlineData("{{ 1 + }}", "expected an expression, found '}}'", 1, 8)]
    [InlineData("{% for x y %}{% endfor %}", "expected 'in' after the loop variables, found 'y'", 1, 10)]
    public void Parse_errors_name_the_construct_and_position(string template, string message, int line, int column)
    {
        var ex = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template));

        Assert.Equal($"{message} (template line {line}, column {column})", ex.Message);
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
    }

    [Theory]
    [InlineData("{{ x.y }}", "'x' is undefined; cannot read attribute 'y'")]
    [InlineData("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ 'a' + missing }}", "'missing' is undefined")]
    [InlineData("{{ nothing() }}", "'nothing' is undefined")]
    [InlineData("{% set s = 'x' %}{% set s.attr = 1 %}", "cannot assign attribute 'attr' on 's': only namespace() objects allow it")]
    [InlineData("{{ 1 // 0 }}", "division by zero")]
    [InlineData("{{ missing | tojson }}", "Object of type Undefined is not JSON serializable")]
    [InlineData("{% for a, b in [1] %}{% endfor %}", "cannot unpack 'int' into 2 variables")]
    public void Render_errors_name_the_problem(string template, string message)
    {
        ChatTemplate parsed = ChatTemplate.Parse(template);

        var ex = Assert.Throws<ChatTemplateException>(() => parsed.Render([], addGenerationPrompt: false));

        Assert.StartsWith(message + " (template line 1, column ", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.RaisedByTemplate);
    }

    [Fact]
    public void Raise_exception_message_is_verbatim()
    {
        var ex = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("{{ raise_exception('No system messages!') }}").Render([], false));

        Assert.Equal("No system messages!", ex.Message);
        Assert.True(ex.RaisedByTemplate);
        Assert.IsAssignableFrom<MemServeException>(ex);
    }
}
