using MemServe.Chat;

namespace MemServe.Core.Tests.Chat;

/// <summary>Whitespace control as Hugging Face renders: trim_blocks, lstrip_blocks, '-' and '+' modifiers (checked against Python Jinja).</summary>
public sealed class WhitespaceControlTests
{
    [Theory]
    [InlineData("a\n  {% if true %}\nb\n  {% endif %}\nc", "a\nb\nc")]
    [InlineData("  {% if true %}x{% endif %}", "x")]
    [InlineData("a  {% if true %}x{% endif %}", "a  x")]
    [InlineData("a{{ 1 }}  {% if true %}x{% endif %}", "a1  x")]
    [InlineData("a\n  {# c #}\nb", "a\nb")]
    [InlineData("a \n {%- if true -%} \n b \n {%- endif -%} \n c", "abc")]
    [InlineData("a\n  {{- 'x' -}}  \nb", "axb")]
    [InlineData("{% if true %}\nline\n{% endif %}\n{{ 'v' }}\nend", "line\nv\nend")]
    [InlineData("a\n    {%+ if true %}x{% endif %}", "a\n    x")]
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    [InlineData("a\r\n{% if true %}\r\nb{% endif %}", "a\nb")]
    [InlineData("{{ '%}' }}{{ {'a': {'b': 1}}['a']['b'] }}", "%}1")]
    [InlineData("x\n", "x")]
    [InlineData("x\n\n", "x\n")]
    public void Renders_like_python_jinja(string template, string expected)
    {
        Assert.Equal(expected, ChatTemplate.Parse(template).Render([], addGenerationPrompt: false));
    }
}
