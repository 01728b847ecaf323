using MemServe.Chat;

namespace MemServe.Core.Tests.Chat;

/// <summary>
/// Expressions, filters, tests, statements and string methods: each template renders to what Python Jinja
/// renders (checked against it), with <c>messages</c> = [1, 2, 3].
/// </summary>
public sealed class JinjaSemanticsTests
{
    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}", "7")]
    [InlineData("{{ (1 + 2) * 3 }}", "9")]
    [InlineData("{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 4 / 2 }}|{{ 2 ** 10 }}", "3|-4|1|2|3.5|2.0|1024")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue")]
    [InlineData("{{ 'ab' * 3 }}", "ababab")]
    [InlineData("{{ [1, 2] + [3] }}", "[1, 2, 3]")]
    [InlineData("{{ 1.5 + 1 }}|{{ 0.1 }}|{{ 1e3 }}|{{ 10 / 4 }}", "2.5|0.1|1000.0|2.5")]
    [InlineData("{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ 'a' in 'cat' }}|{{ 2 not in [1, 3] }}|{{ 'k' in {'k': 1} }}", "True|False|True|True|True")]
    [InlineData("{{ true and 'x' }}|{{ false or 'y' }}|{{ not none }}|{{ none or [] }}", "x|y|True|[]")]
    [InlineData("{{ 'yes' if 1 > 0 else 'no' }}|{{ 'yes' if 0 else 'no' }}|{{ 'x' if false }}.", "yes|no|.")]
    [InlineData("{{ \"it's\" }}|{{ 'tab\\there' }}|{{ 'a' 'b' }}|{{ '\\u00e9' }}", "it's|tab\there|ab|é")]
    [InlineData("{{ [1, 'a', none, true, 1.0] }}|{{ {'a': 1, 'b': [2]} }}|{{ (1, 2) }}", "[1, 'a', None, True, 1.0]|{'a': 1, 'b': [2]}|(1, 2)")]
    [InlineData("{{ [1,2,3,4,5][1:3] }}|{{ [1,2,3,4,5][::-1] }}|{{ [1,2,3,4,5][::2] }}|{{ [1,2,3,4,5][-2:] }}|{{ 'hello'[1:-1] }}|{{ [1,2,3][-1] }}", "[2, 3]|[5, 4, 3, 2, 1]|[1, 3, 5]|[4, 5]|ell|3")]
    [InlineData("{{ {'a': {'b': 'c'}}.a.b }}|{{ {'a': [10, 20]}['a'][1] }}|{{ [1][5] }}|{{ {}.missing }}.", "c|20||.")]
    [InlineData("{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'Hello' | upper }}|{{ 'Hello' | lower }}|{{ 'hello big world' | title }}|{{ 'hELLO' | capitalize }}", "x|hi|HELLO|hello|Hello Big World|Hello")]
    [InlineData("{{ 'a-b-c' | replace('-', '+') }}|{{ [1, 2, 3] | join(', ') }}|{{ [1, 2] | first }}|{{ [1, 2] | last }}|{{ 'abc' | length }}|{{ [1, 2] | count }}", "a+b+c|1, 2, 3|1|2|3|2")]
    [InlineData("{{ undefined_var | default('d') }}|{{ '' | default('e', true) }}|{{ '' | default('e') }}.|{{ 'abc' | list }}|{{ {'a': 1} | items | list }}", "d|e|.|['a', 'b', 'c']|[('a', 1)]")]
    [InlineData("{{ 42 | string }}|{{ '12' | int + 1 }}|{{ '3.7' | int }}|{{ 'x' | int }}|{{ 3.9 | int }}|{{ [3, 1, 2] | reverse | list }}|{{ 'abc' | reverse }}", "42|13|3|0|3|[2, 1, 3]|cba")]
    [InlineData("{{ [{'n': 'a'}, {'n': 'b'}] | map(attribute='n') | join }}|{{ ['a', 'b'] | map('upper') | list }}", "ab|['A', 'B']")]
    [InlineData("{{ [{'t': 1, 'n': 'a'}, {'t': 0, 'n': 'b'}] | selectattr('t') | map(attribute='n') | list }}|{{ [{'r': 'user'}, {'r': 'tool'}] | rejectattr('r', 'equalto', 'tool') | list }}|{{ [1, 2, 3, 4] | select('odd') | list }}", "['a']|[{'r': 'user'}]|[1, 3]")]
    [InlineData("{{ {'b': 1, 'a': [1, 2], 'c': 'é\"'} | tojson }}|{{ [] | tojson }}|{{ none | tojson }}|{{ 1.5 | tojson }}", "{\"b\": 1, \"a\": [1, 2], \"c\": \"é\\\"\"}|[]|null|1.5")]
    [InlineData("{{ {'a': [1, {}], 'b': 'x'} | tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x\"\n}")]
    [InlineData("{{ '<b>&' | escape }}|{{ '<b>' | safe }}|{{ -3 | abs }}|{{ [3, 1, 2] | sort | list }}|{{ [1, 1, 2] | unique | list }}", "&lt;b&gt;&amp;|<b>|3|[1, 2, 3]|[1, 2]")]
    [InlineData("{{ x is defined }}|{{ x is undefined }}|{{ none is none }}|{{ 'a' is string }}|{{ 1 is number }}|{{ true is number }}|{{ {} is mapping }}|{{ [] is iterable }}|{{ 'a' is sequence }}|{{ true is true }}|{{ 0 is false }}|{{ 2 is eq 2 }}|{{ 3 is even }}|{{ 'a' is not none }}", "False|True|True|True|True|True|True|True|True|True|False|True|False|True")]
    [InlineData("{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith('bc') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a b '.split() }}|{{ '\\n\\nx\\n'.strip('\\n') }}|{{ '  x'.lstrip() }}|{{ 'x  '.rstrip() }}|{{ 'a-b'.replace('-', '') }}|{{ 'AbC'.lower() }}|{{ 'x'.upper() }}", "True|True|['a', 'b', '', 'c']|['a', 'b']|x|x|x|ab|abc|X")]
    [InlineData("{{ {'a': 1}.get('a') }}|{{ {'a': 1}.get('b', 'z') }}|{{ {'a': 1}.keys() | list }}|{{ {'a': 1}.values() | list }}", "1|z|['a']|[1]")]
    [InlineData("{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }}{% if not loop.last %},{% endif %}{% endfor %}", "x=1,y=2")]
    [InlineData("{% for i in range(3) %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }};{% endfor %}", "1/0/3/3/True/False;2/1/2/3/False/False;3/2/1/3/False/True;")]
    [InlineData("{% for i in [] %}x{% else %}empty{% endfor %}|{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}|{% for i in range(5) if i is odd %}{{ i }}{{ loop.length }}{% endfor %}", "empty|147|1232")]
    [InlineData("{% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "02")]
    [InlineData("{% for x in ['a', 'b', 'c'] %}{{ loop.previtem }}{{ x }}{{ loop.nextitem }}{{ loop.cycle('+', '-') }} {% endfor %}", "ab+ abc- bc+ ")]
    [InlineData("{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }},{% endfor %}{{ x }}", "110,120,1")]
    [InlineData("{% set ns = namespace(count=0, found=false) %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% endfor %}{{ ns.count }}{{ ns.found }}", "6False")]
    [InlineData("{% set a, b = [1, 2] %}{{ a }}{{ b }}|{% set block %}inner {{ 1 + 1 }}{% endset %}{{ block | upper }}", "12|INNER 2")]
    [InlineData("{% macro tag(name, value='v') %}<{{ name }}={{ value }}>{% endmacro %}{{ tag('a') }}{{ tag('b', value='w') }}{{ tag('c', 'u') }}", "<a=v><b=w><c=u>")]
    [InlineData("{# a comment #}x{#- trimmed -#}  y", "xy")]
    [InlineData("{{ messages | length - 1 }}|{{ -1 + 3 }}|{{ not (1 == 1) }}", "2|2|False")]
    public void Renders_like_python_jinja(string template, string expected)
    {
        Assert.Equal(expected, Render(template));
    }

    [Fact]
    public void Printing_an_undefined_variable_is_empty()
    {
        Assert.Equal("[]", Render("[{{ nothing }}]"));
    }

    [Fact]
    public void Extra_variables_override_and_accept_host_values()
    {
        var vars = new Dictionary<string, object?>
        {
            ["n"] = 3,
            ["f"] = 0.5f,
            ["names"] = new[] { "a", "b" },
            ["map"] = new Dictionary<string, object?> { ["k"] = "v" },
        };

        Assert.Equal("3|0.5|a+b|v", ChatTemplate.Parse("{{ n }}|{{ f }}|{{ names | join('+') }}|{{ map.k }}").Render([], false, vars));
    }

    [Fact]
    public void Messages_are_dicts_with_role_content_and_extras()
    {
        var message = new ChatMessage("assistant", null) { Extra = new Dictionary<string, object?> { ["name"] = "bot" } };

        string text = ChatTemplate.Parse("{% for m in messages %}{{ m.role }}|{{ m.content is none }}|{{ m.name }}|{{ m.tool_calls is defined }}{% endfor %}")
            .Render([message], false);

        Assert.Equal("assistant|True|bot|False", text);
    }

    [Fact]
    public void Add_generation_prompt_is_a_boolean_variable()
    {
        ChatTemplate template = ChatTemplate.Parse("{{ add_generation_prompt }}");

        Assert.Equal("True", template.Render([], true));
        Assert.Equal("False", template.Render([], false));
    }

    private static string Render(string template) =>
        ChatTemplate.Parse(template).Render([], false, new Dictionary<string, object?> { ["messages"] = new[] { 1, 2, 3 } });
}
