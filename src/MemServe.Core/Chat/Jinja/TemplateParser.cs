namespace MemServe.Chat.Jinja;

/// <summary>
/// Parses the token stream into statements. Supported tags: <c>if/elif/else/endif</c>, <c>for/else/endfor</c>,
/// <c>set</c> (also <c>ns.attr</c> targets and block set), <c>macro/endmacro</c>, <c>break</c>, <c>continue</c>,
/// and Hugging Face's <c>generation/endgeneration</c> (rendered as its body). Any other tag is rejected here,
/// at parse time, with its name and position.
/// </summary>
internal sealed class TemplateParser
{
    private readonly TokenStream _tokens;
    private readonly ExpressionParser _expressions;

    private TemplateParser(string source)
    {
        _tokens = new TokenStream(Lexer.Tokenize(source));
        _expressions = new ExpressionParser(_tokens);
    }

    /// <summary>Parses a whole template.</summary>
    public static List<Statement> Parse(string source)
    {
        var parser = new TemplateParser(source);
        List<Statement> body = parser.ParseBody([], out _, out _);
        return body;
    }

    /// <summary>
    /// Parses statements until a block tag whose name is in <paramref name="endTags"/> (consumed up to, not
    /// including, its arguments) or the end of the template (allowed only at the top level).
    /// </summary>
    private List<Statement> ParseBody(string[] endTags, out string endTag, out SourcePosition endAt)
    {
        var body = new List<Statement>();
        while (true)
        {
            Token t = _tokens.Current;
            switch (t.Kind)
            {
                case TokenKind.End:
                    if (endTags.Length > 0) throw TokenStream.Error($"unexpected end of template: expected {string.Join(" or ", endTags.Select(e => $"'{{% {e} %}}'"))}", t.Position);
                    endTag = "";
                    endAt = t.Position;
                    return body;
                case TokenKind.Text:
                    _tokens.Next();
                    body.Add(new TextStatement(t.Value, t.Position));
                    break;
                case TokenKind.VariableStart:
                    _tokens.Next();
                    Expr value = _expressions.Parse(allowTuple: true);
                    _tokens.Expect(TokenKind.VariableEnd, "'}}' to close '{{'");
                    body.Add(new OutputStatement(value, t.Position));
                    break;
                case TokenKind.BlockStart:
                    _tokens.Next();
                    Token nameToken = _tokens.Current;
                    string name = _tokens.ExpectName("a tag name after '{%'");
                    if (endTags.Contains(name))
                    {
                        endTag = name;
                        endAt = nameToken.Position;
                        return body;
                    }
                    ParseTag(name, nameToken.Position, body);
                    break;
                default:
                    throw _tokens.Unexpected("expected template text or a tag");
            }
        }
    }

    private void ParseTag(string name, SourcePosition at, List<Statement> body)
    {
        switch (name)
        {
            case "if": body.Add(ParseIf(at)); break;
            case "for": body.Add(ParseFor(at)); break;
            case "set": body.Add(ParseSet(at)); break;
            case "macro": body.Add(ParseMacro(at)); break;
            case "break" or "continue":
                EndTag();
                body.Add(new LoopControlStatement(name == "break", at));
                break;
            case "generation":
                EndTag();
                body.AddRange(ParseBody(["endgeneration"], out _, out _));
                EndTag();
                break;
            case "elif" or "else" or "endif" or "endfor" or "endmacro" or "endset" or "endgeneration":
                throw TokenStream.Error($"unexpected '{{% {name} %}}' with no open block it could close", at);
            case "include" or "import" or "from" or "extends" or "block" or "call" or "filter" or "raw" or "with" or "autoescape" or "do":
                throw TokenStream.Error($"unsupported construct: the '{name}' tag is outside the chat-template subset", at);
            default:
                throw TokenStream.Error($"unknown tag '{name}'", at);
        }
    }

    private void EndTag() => _tokens.Expect(TokenKind.BlockEnd, "'%}' to close the tag");

    private IfStatement ParseIf(SourcePosition at)
    {
        var branches = new List<(Expr, IReadOnlyList<Statement>)>();
        IReadOnlyList<Statement> otherwise = [];
        Expr condition = _expressions.Parse();
        while (true)
        {
            EndTag();
            List<Statement> body = ParseBody(["elif", "else", "endif"], out string end, out _);
            branches.Add((condition, body));
            if (end == "elif")
            {
                condition = _expressions.Parse();
                continue;
            }
            if (end == "else")
            {
                EndTag();
                otherwise = ParseBody(["endif"], out _, out _);
            }
            EndTag();
            return new IfStatement(branches, otherwise, at);
        }
    }

    private ForStatement ParseFor(SourcePosition at)
    {
        var targets = new List<string> { _tokens.ExpectName("a loop variable after 'for'") };
        while (_tokens.SkipOperator(",")) targets.Add(_tokens.ExpectName("a loop variable after ','"));
        if (!_tokens.SkipName("in")) throw _tokens.Unexpected("expected 'in' after the loop variables");
        Expr iterable = _expressions.Parse();
        // 'x if c else y' is parsed by Parse(), so a loop filter needs the condition form Jinja uses: for x in y if c.
        Expr? filter = null;
        if (iterable is ConditionalExpr { Otherwise: null } conditional)
        {
            iterable = conditional.Then;
            filter = conditional.Condition;
        }
        if (_tokens.SkipName("recursive")) throw TokenStream.Error("unsupported construct: recursive for loops", at);
        EndTag();
        List<Statement> body = ParseBody(["else", "endfor"], out string end, out _);
        IReadOnlyList<Statement> otherwise = [];
        if (end == "else")
        {
            EndTag();
            otherwise = ParseBody(["endfor"], out _, out _);
        }
        EndTag();
        return new ForStatement(targets, iterable, filter, body, otherwise, at);
    }

    private Statement ParseSet(SourcePosition at)
    {
        string first = _tokens.ExpectName("a variable name after 'set'");
        if (_tokens.SkipOperator("."))
        {
            string attribute = _tokens.ExpectName("an attribute name after '.'");
            _tokens.ExpectOperator("=", "after the set target");
            Expr value = _expressions.Parse(allowTuple: true);
            EndTag();
            return new SetStatement([first], attribute, value, at);
        }
        var targets = new List<string> { first };
        while (_tokens.SkipOperator(",")) targets.Add(_tokens.ExpectName("a variable name after ','"));
        if (targets.Count == 1 && _tokens.Current.Kind == TokenKind.BlockEnd)
        {
            EndTag();
            List<Statement> body = ParseBody(["endset"], out _, out _);
            EndTag();
            return new SetBlockStatement(first, body, at);
        }
        _tokens.ExpectOperator("=", "after the set target");
        Expr assigned = _expressions.Parse(allowTuple: true);
        EndTag();
        return new SetStatement(targets, null, assigned, at);
    }

    private MacroStatement ParseMacro(SourcePosition at)
    {
        string name = _tokens.ExpectName("a macro name");
        _tokens.ExpectOperator("(", "after the macro name");
        var parameters = new List<(string, Expr?)>();
        while (!_tokens.SkipOperator(")"))
        {
            if (parameters.Count > 0) _tokens.ExpectOperator(",", "between macro parameters");
            string parameter = _tokens.ExpectName("a parameter name");
            Expr? defaultValue = _tokens.SkipOperator("=") ? _expressions.Parse() : null;
            parameters.Add((parameter, defaultValue));
        }
        EndTag();
        List<Statement> body = ParseBody(["endmacro"], out _, out _);
        if (_tokens.Current.Kind == TokenKind.Name) _tokens.Next(); // {% endmacro name %}
        EndTag();
        return new MacroStatement(name, parameters, body, at);
    }
}
