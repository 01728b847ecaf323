namespace MemServe.Chat.Jinja;

/// <summary>A statement node of the template AST.</summary>
internal abstract record Statement(SourcePosition Position);

/// <summary>Literal text, output as is.</summary>
internal sealed record TextStatement(string Text, SourcePosition Position) : Statement(Position);

/// <summary><c>{{ expr }}</c>.</summary>
internal sealed record OutputStatement(Expr Value, SourcePosition Position) : Statement(Position);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c>.</summary>
internal sealed record IfStatement(
    IReadOnlyList<(Expr Condition, IReadOnlyList<Statement> Body)> Branches,
    IReadOnlyList<Statement> Else,
    SourcePosition Position) : Statement(Position);

/// <summary><c>{% for a, b in iterable if filter %}...{% else %}...{% endfor %}</c>.</summary>
internal sealed record ForStatement(
    IReadOnlyList<string> Targets,
    Expr Iterable,
    Expr? Filter,
    IReadOnlyList<Statement> Body,
    IReadOnlyList<Statement> Else,
    SourcePosition Position) : Statement(Position);

/// <summary><c>{% set a = expr %}</c>, <c>{% set a, b = expr %}</c> or <c>{% set ns.attr = expr %}</c> (then <see cref="Attribute"/> is set).</summary>
internal sealed record SetStatement(IReadOnlyList<string> Targets, string? Attribute, Expr Value, SourcePosition Position) : Statement(Position);

/// <summary><c>{% set name %}...{% endset %}</c>: captures the rendered body as a string.</summary>
internal sealed record SetBlockStatement(string Target, IReadOnlyList<Statement> Body, SourcePosition Position) : Statement(Position);

/// <summary><c>{% macro name(a, b=default) %}...{% endmacro %}</c>.</summary>
internal sealed record MacroStatement(
    string Name,
    IReadOnlyList<(string Name, Expr? Default)> Parameters,
    IReadOnlyList<Statement> Body,
    SourcePosition Position) : Statement(Position);

/// <summary><c>{% break %}</c> or <c>{% continue %}</c> (the loopcontrols extension Hugging Face enables).</summary>
internal sealed record LoopControlStatement(bool IsBreak, SourcePosition Position) : Statement(Position);
