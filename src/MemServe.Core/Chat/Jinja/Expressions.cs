namespace MemServe.Chat.Jinja;

/// <summary>An expression node of the template AST; <see cref="Position"/> is where it starts.</summary>
internal abstract record Expr(SourcePosition Position);

/// <summary>A string, number, boolean or none literal.</summary>
internal sealed record LiteralExpr(object? Value, SourcePosition Position) : Expr(Position);

/// <summary><c>[a, b]</c>, or a tuple <c>(a, b)</c> when <see cref="IsTuple"/> (a <see cref="TupleValue"/>).</summary>
internal sealed record ListExpr(IReadOnlyList<Expr> Items, SourcePosition Position, bool IsTuple = false) : Expr(Position);

/// <summary><c>{k: v, ...}</c>.</summary>
internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Entries, SourcePosition Position) : Expr(Position);

/// <summary>A variable reference.</summary>
internal sealed record NameExpr(string Name, SourcePosition Position) : Expr(Position);

/// <summary><c>obj.name</c>.</summary>
internal sealed record AttributeExpr(Expr Target, string Name, SourcePosition Position) : Expr(Position);

/// <summary><c>obj[key]</c>.</summary>
internal sealed record ItemExpr(Expr Target, Expr Key, SourcePosition Position) : Expr(Position);

/// <summary><c>obj[start:stop:step]</c>; absent parts are null.</summary>
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, SourcePosition Position) : Expr(Position);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Keyword)
{
    public static readonly Arguments None = new([], []);
}

/// <summary><c>callee(args)</c>.</summary>
internal sealed record CallExpr(Expr Callee, Arguments Args, SourcePosition Position) : Expr(Position);

/// <summary><c>value | name(args)</c>.</summary>
internal sealed record FilterExpr(Expr Value, string Name, Arguments Args, SourcePosition Position) : Expr(Position);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpr(Expr Value, string Name, Arguments Args, bool Negated, SourcePosition Position) : Expr(Position);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c>.</summary>
internal sealed record UnaryExpr(string Operator, Expr Operand, SourcePosition Position) : Expr(Position);

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, SourcePosition Position) : Expr(Position);

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>; operators include <c>in</c> and <c>not in</c>.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<(string Operator, Expr Operand)> Rest, SourcePosition Position) : Expr(Position);

/// <summary><c>then if condition else otherwise</c>; a missing else yields undefined.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Otherwise, SourcePosition Position) : Expr(Position);
