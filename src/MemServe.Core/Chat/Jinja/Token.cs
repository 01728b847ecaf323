namespace MemServe.Chat.Jinja;

/// <summary>The kinds of token the <see cref="Lexer"/> produces.</summary>
internal enum TokenKind
{
    /// <summary>Literal template text between tags, already whitespace-controlled.</summary>
    Text,
    /// <summary><c>{{</c></summary>
    VariableStart,
    /// <summary><c>}}</c></summary>
    VariableEnd,
    /// <summary><c>{%</c></summary>
    BlockStart,
    /// <summary><c>%}</c></summary>
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

/// <summary>A position in the template source, 1-based.</summary>
internal readonly record struct SourcePosition(int Line, int Column);

/// <summary>One token; <see cref="Value"/> holds the text, the unescaped string, or the number's digits.</summary>
internal readonly record struct Token(TokenKind Kind, string Value, SourcePosition Position)
{
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    /// <summary>How an error message names this token.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.Text => "template text",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockEnd => "'%}'",
        TokenKind.VariableStart => "'{{'",
        TokenKind.BlockStart => "'{%'",
        TokenKind.String => "string literal",
        _ => $"'{Value}'",
    };
}
