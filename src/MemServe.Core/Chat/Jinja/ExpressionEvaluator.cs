namespace MemServe.Chat.Jinja;

/// <summary>
/// Evaluates expression nodes against a <see cref="Scope"/>. Errors raised by the value helpers carry no position;
/// the innermost node that sees one rethrows it with that node's line and column.
/// </summary>
internal static class ExpressionEvaluator
{
    public static object? Evaluate(Expr expr, Scope scope)
    {
        try
        {
            return EvaluateCore(expr, scope);
        }
        catch (ChatTemplateException ex) when (ex.Line is null && !ex.RaisedByTemplate)
        {
            throw new ChatTemplateException(ex.Message, expr.Position.Line, expr.Position.Column);
        }
        catch (OverflowException)
        {
            throw new ChatTemplateException("integer overflow", expr.Position.Line, expr.Position.Column);
        }
    }

    private static object? EvaluateCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr literal: return literal.Value;
            case NameExpr name: return scope.TryGet(name.Name, out object? value) ? value : new Undefined($"'{name.Name}' is undefined");
            case ListExpr list:
                List<object?> items = list.IsTuple ? new TupleValue() : new List<object?>();
                foreach (Expr item in list.Items) items.Add(Evaluate(item, scope));
                return items;
            case DictExpr dict:
                var result = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, item) in dict.Entries)
                {
                    object? k = Evaluate(key, scope);
                    result[k as string ?? ValueFormatter.ToStr(k)] = Evaluate(item, scope);
                }
                return result;
            case AttributeExpr attribute: return MemberAccess.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpr item: return MemberAccess.GetItem(Evaluate(item.Target, scope), Evaluate(item.Key, scope));
            case SliceExpr slice:
                return MemberAccess.Slice(Evaluate(slice.Target, scope), Optional(slice.Start, scope), Optional(slice.Stop, scope), Optional(slice.Step, scope));
            case CallExpr call: return Call(Evaluate(call.Callee, scope), call.Args, scope);
            case FilterExpr filter:
                var (fArgs, fKwargs) = EvaluateArguments(filter.Args, scope);
                return Filters.Apply(filter.Name, Evaluate(filter.Value, scope), fArgs, fKwargs);
            case TestExpr test:
                var (tArgs, tKwargs) = EvaluateArguments(test.Args, scope);
                bool passed = Tests.Apply(test.Name, Evaluate(test.Value, scope), new CallArguments($"test '{test.Name}'", tArgs, tKwargs));
                return passed != test.Negated;
            case UnaryExpr unary: return Unary(unary.Operator, Evaluate(unary.Operand, scope));
            case BinaryExpr { Operator: "and" } and:
                object? left = Evaluate(and.Left, scope);
                return Values.IsTruthy(left) ? Evaluate(and.Right, scope) : left;
            case BinaryExpr { Operator: "or" } or:
                object? first = Evaluate(or.Left, scope);
                return Values.IsTruthy(first) ? first : Evaluate(or.Right, scope);
            case BinaryExpr binary: return Operators.Binary(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
            case CompareExpr compare: return Compare(compare, scope);
            case ConditionalExpr conditional:
                if (Values.IsTruthy(Evaluate(conditional.Condition, scope))) return Evaluate(conditional.Then, scope);
                return conditional.Otherwise is null ? new Undefined("the if-expression had no else branch") : Evaluate(conditional.Otherwise, scope);
            default: throw new ChatTemplateException($"unsupported expression {expr.GetType().Name}");
        }
    }

    private static object? Optional(Expr? expr, Scope scope) => expr is null ? null : Evaluate(expr, scope);

    private static (List<object?> Positional, Dictionary<string, object?> Keyword) EvaluateArguments(Arguments args, Scope scope)
    {
        var positional = new List<object?>(args.Positional.Count);
        foreach (Expr arg in args.Positional) positional.Add(Evaluate(arg, scope));
        var keyword = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, arg) in args.Keyword) keyword[name] = Evaluate(arg, scope);
        return (positional, keyword);
    }

    private static object? Call(object? callee, Arguments args, Scope scope)
    {
        if (callee is Undefined u) throw new ChatTemplateException(u.Description);
        if (callee is not JinjaFunction function) throw new ChatTemplateException($"'{Values.TypeName(callee)}' object is not callable");
        var (positional, keyword) = EvaluateArguments(args, scope);
        return function.Invoke(positional, keyword);
    }

    private static object? Unary(string op, object? operand) => op switch
    {
        "not" => !Values.IsTruthy(operand),
        "-" => Operators.Negate(operand),
        _ => Values.IsNumber(operand) ? operand : throw new ChatTemplateException($"bad operand type for unary +: '{Values.TypeName(operand)}'"),
    };

    private static bool Compare(CompareExpr compare, Scope scope)
    {
        object? left = Evaluate(compare.First, scope);
        foreach (var (op, operand) in compare.Rest)
        {
            object? right = Evaluate(operand, scope);
            bool holds = op switch
            {
                "==" => Values.AreEqual(left, right),
                "!=" => !Values.AreEqual(left, right),
                "in" => Operators.Contains(right, left),
                "not in" => !Operators.Contains(right, left),
                "<" => Values.Compare(left, right, op) < 0,
                "<=" => Values.Compare(left, right, op) <= 0,
                ">" => Values.Compare(left, right, op) > 0,
                _ => Values.Compare(left, right, op) >= 0,
            };
            if (!holds) return false;
            left = right;
        }
        return true;
    }
}
