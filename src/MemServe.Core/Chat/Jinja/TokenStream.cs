namespace MemServe.Chat.Jinja;

/// <summary>A cursor over the lexer's tokens, shared by the statement and expression parsers.</summary>
internal sealed class TokenStream(List<Token> tokens)
{
    private int _index;

    public Token Current => tokens[_index];

    public Token Peek(int ahead = 1) => tokens[Math.Min(_index + ahead, tokens.Count - 1)];

    public Token Next()
    {
        Token t = tokens[_index];
        if (_index < tokens.Count - 1) _index++;
        return t;
    }

    /// <summary>Consumes the operator <paramref name="op"/> when it is next.</summary>
    public bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        Next();
        return true;
    }

    /// <summary>Consumes the name <paramref name="name"/> when it is next.</summary>
    public bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        Next();
        return true;
    }

    public Token ExpectOperator(string op, string context)
    {
        if (!Current.IsOperator(op)) throw Unexpected($"expected '{op}' {context}");
        return Next();
    }

    public Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Unexpected($"expected {what}");
        return Next();
    }

    public string ExpectName(string what) => Expect(TokenKind.Name, what).Value;

    /// <summary>An error at the current token: "<paramref name="message"/>, found X".</summary>
    public ChatTemplateException Unexpected(string message) =>
        Error($"{message}, found {Current.Describe()}", Current.Position);

    public static ChatTemplateException Error(string message, SourcePosition at) =>
        new(message, at.Line, at.Column);
}
