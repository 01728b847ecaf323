using System.Globalization;

namespace MemServe.Chat.Jinja;

/// <summary>
/// Parses Jinja expressions by precedence, loosest first: conditional <c>x if c else y</c>, <c>or</c>, <c>and</c>,
/// <c>not</c>, comparisons (<c>== != &lt; &lt;= &gt; &gt;= in</c>, <c>not in</c>), <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then a primary with postfix <c>.attr</c>, <c>[key]</c>, slices,
/// calls, filters <c>|f(args)</c> and tests <c>is [not] t</c>.
/// </summary>
internal sealed class ExpressionParser(TokenStream tokens)
{
    private static readonly HashSet<string> s_compareOperators = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>A full expression; with <paramref name="allowTuple"/>, <c>a, b</c> becomes a tuple (a list).</summary>
    public Expr Parse(bool allowTuple = false)
    {
        Expr first = ParseConditional();
        if (!allowTuple || !tokens.Current.IsOperator(",")) return first;
        var items = new List<Expr> { first };
        while (tokens.SkipOperator(",") && !AtExpressionEnd()) items.Add(ParseConditional());
        return new ListExpr(items, first.Position, IsTuple: true);
    }

    private bool AtExpressionEnd() => tokens.Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd or TokenKind.End;

    private Expr ParseConditional()
    {
        Expr value = ParseOr();
        while (tokens.SkipName("if"))
        {
            Expr condition = ParseOr();
            Expr? otherwise = tokens.SkipName("else") ? ParseConditional() : null;
            value = new ConditionalExpr(condition, value, otherwise, value.Position);
        }
        return value;
    }

    private Expr ParseOr()
    {
        Expr left = ParseAnd();
        while (tokens.SkipName("or")) left = new BinaryExpr("or", left, ParseAnd(), left.Position);
        return left;
    }

    private Expr ParseAnd()
    {
        Expr left = ParseNot();
        while (tokens.SkipName("and")) left = new BinaryExpr("and", left, ParseNot(), left.Position);
        return left;
    }

    private Expr ParseNot()
    {
        Token t = tokens.Current;
        if (tokens.SkipName("not")) return new UnaryExpr("not", ParseNot(), t.Position);
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        Expr first = ParseAdditive();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            Token t = tokens.Current;
            if (t.Kind == TokenKind.Operator && s_compareOperators.Contains(t.Value))
            {
                tokens.Next();
                rest.Add((t.Value, ParseAdditive()));
            }
            else if (tokens.SkipName("in")) rest.Add(("in", ParseAdditive()));
            else if (t.IsName("not") && tokens.Peek().IsName("in"))
            {
                tokens.Next();
                tokens.Next();
                rest.Add(("not in", ParseAdditive()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, first.Position);
    }

    private Expr ParseAdditive()
    {
        Expr left = ParseConcat();
        while (tokens.Current.IsOperator("+") || tokens.Current.IsOperator("-"))
            left = new BinaryExpr(tokens.Next().Value, left, ParseConcat(), left.Position);
        return left;
    }

    private Expr ParseConcat()
    {
        Expr left = ParseMultiplicative();
        while (tokens.SkipOperator("~")) left = new BinaryExpr("~", left, ParseMultiplicative(), left.Position);
        return left;
    }

    private Expr ParseMultiplicative()
    {
        Expr left = ParsePower();
        while (tokens.Current.Kind == TokenKind.Operator && tokens.Current.Value is "*" or "/" or "//" or "%")
            left = new BinaryExpr(tokens.Next().Value, left, ParsePower(), left.Position);
        return left;
    }

    private Expr ParsePower()
    {
        Expr left = ParseUnary();
        while (tokens.SkipOperator("**")) left = new BinaryExpr("**", left, ParseUnary(), left.Position);
        return left;
    }

    /// <summary>Unary minus binds tighter than filters, as in Jinja: <c>-3 | abs</c> is 3.</summary>
    private Expr ParseUnary(bool withFilters = true)
    {
        Token t = tokens.Current;
        Expr node;
        if (t.IsOperator("-") || t.IsOperator("+"))
        {
            tokens.Next();
            node = new UnaryExpr(t.Value, ParseUnary(withFilters: false), t.Position);
        }
        else node = ParsePostfix(ParsePrimary());
        return withFilters ? ParseFiltersAndTests(node) : node;
    }

    private Expr ParseFiltersAndTests(Expr value)
    {
        while (true)
        {
            Token t = tokens.Current;
            if (tokens.SkipOperator("|"))
            {
                Token name = tokens.Current;
                string filter = tokens.ExpectName("a filter name after '|'");
                if (!Filters.IsKnown(filter)) throw TokenStream.Error($"unknown filter '{filter}'", name.Position);
                Arguments args = tokens.Current.IsOperator("(") ? ParseArguments() : Arguments.None;
                value = ParsePostfix(new FilterExpr(value, filter, args, t.Position));
            }
            else if (tokens.SkipName("is"))
            {
                bool negated = tokens.SkipName("not");
                Token name = tokens.Current;
                string test = tokens.ExpectName("a test name after 'is'");
                if (!Tests.IsKnown(test)) throw TokenStream.Error($"unknown test '{test}'", name.Position);
                Arguments args = Arguments.None;
                if (tokens.Current.IsOperator("(")) args = ParseArguments();
                else if (StartsBareTestArgument(tokens.Current)) args = new Arguments([ParsePostfix(ParsePrimary())], []);
                value = new TestExpr(value, test, args, negated, t.Position);
            }
            else return value;
        }
    }

    private static bool StartsBareTestArgument(Token t) => t.Kind switch
    {
        TokenKind.String or TokenKind.Integer or TokenKind.Float => true,
        TokenKind.Name => t.Value is not ("and" or "or" or "else" or "if" or "in" or "not" or "is"),
        TokenKind.Operator => t.Value is "[" or "{",
        _ => false,
    };

    private Expr ParsePostfix(Expr target)
    {
        while (true)
        {
            Token t = tokens.Current;
            if (tokens.SkipOperator("."))
            {
                Token name = tokens.Next();
                if (name.Kind is not (TokenKind.Name or TokenKind.Integer)) throw TokenStream.Error($"expected an attribute name after '.', found {name.Describe()}", name.Position);
                target = name.Kind == TokenKind.Integer
                    ? new ItemExpr(target, new LiteralExpr(long.Parse(name.Value, CultureInfo.InvariantCulture), name.Position), t.Position)
                    : new AttributeExpr(target, name.Value, t.Position);
            }
            else if (tokens.SkipOperator("[")) target = ParseSubscript(target, t.Position);
            else if (tokens.Current.IsOperator("(")) target = new CallExpr(target, ParseArguments(), t.Position);
            else return target;
        }
    }

    private Expr ParseSubscript(Expr target, SourcePosition at)
    {
        Expr? start = tokens.Current.IsOperator(":") ? null : Parse();
        if (tokens.SkipOperator("]"))
            return new ItemExpr(target, start!, at);
        tokens.ExpectOperator(":", "or ']' in a subscript");
        Expr? stop = tokens.Current.IsOperator(":") || tokens.Current.IsOperator("]") ? null : Parse();
        Expr? step = null;
        if (tokens.SkipOperator(":") && !tokens.Current.IsOperator("]")) step = Parse();
        tokens.ExpectOperator("]", "to close a slice");
        return new SliceExpr(target, start, stop, step, at);
    }

    /// <summary>Parses <c>(a, b, name=c)</c>.</summary>
    public Arguments ParseArguments()
    {
        tokens.ExpectOperator("(", "to open an argument list");
        var positional = new List<Expr>();
        var keyword = new List<(string, Expr)>();
        while (!tokens.SkipOperator(")"))
        {
            if (positional.Count + keyword.Count > 0) tokens.ExpectOperator(",", "between arguments");
            if (tokens.SkipOperator(")")) break;
            if (tokens.Current.Kind == TokenKind.Name && tokens.Peek().IsOperator("="))
            {
                string name = tokens.Next().Value;
                tokens.Next();
                keyword.Add((name, Parse()));
            }
            else if (keyword.Count > 0) throw tokens.Unexpected("positional argument after keyword argument");
            else if (tokens.Current.IsOperator("*") || tokens.Current.IsOperator("**")) throw tokens.Unexpected("unsupported construct: *args/**kwargs in a call");
            else positional.Add(Parse());
        }
        return new Arguments(positional, keyword);
    }

    private Expr ParsePrimary()
    {
        Token t = tokens.Next();
        switch (t.Kind)
        {
            case TokenKind.String:
                string text = t.Value;
                while (tokens.Current.Kind == TokenKind.String) text += tokens.Next().Value;
                return new LiteralExpr(text, t.Position);
            case TokenKind.Integer:
                if (!long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long integer))
                    throw TokenStream.Error($"integer literal {t.Value} is too large", t.Position);
                return new LiteralExpr(integer, t.Position);
            case TokenKind.Float:
                return new LiteralExpr(double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture), t.Position);
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Position),
                    "false" or "False" => new LiteralExpr(false, t.Position),
                    "none" or "None" => new LiteralExpr(null, t.Position),
                    _ => new NameExpr(t.Value, t.Position),
                };
            case TokenKind.Operator when t.Value == "(":
                if (tokens.SkipOperator(")")) return new ListExpr([], t.Position, IsTuple: true);
                Expr inner = Parse(allowTuple: true);
                tokens.ExpectOperator(")", "to close '('");
                return inner;
            case TokenKind.Operator when t.Value == "[":
                return new ListExpr(ParseSequence("]"), t.Position);
            case TokenKind.Operator when t.Value == "{":
                return ParseDict(t.Position);
            default:
                throw TokenStream.Error($"expected an expression, found {t.Describe()}", t.Position);
        }
    }

    private List<Expr> ParseSequence(string close)
    {
        var items = new List<Expr>();
        while (!tokens.SkipOperator(close))
        {
            if (items.Count > 0) tokens.ExpectOperator(",", $"or '{close}' in a list");
            if (tokens.SkipOperator(close)) break;
            items.Add(Parse());
        }
        return items;
    }

    private DictExpr ParseDict(SourcePosition at)
    {
        var entries = new List<(Expr, Expr)>();
        while (!tokens.SkipOperator("}"))
        {
            if (entries.Count > 0) tokens.ExpectOperator(",", "or '}' in a dict");
            if (tokens.SkipOperator("}")) break;
            Expr key = Parse();
            tokens.ExpectOperator(":", "after a dict key");
            entries.Add((key, Parse()));
        }
        return new DictExpr(entries, at);
    }
}
