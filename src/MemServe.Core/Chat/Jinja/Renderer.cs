using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>Executes parsed statements, writing output to a <see cref="StringBuilder"/>. One instance per render.</summary>
internal sealed class Renderer
{
    private const int MaxMacroDepth = 64;
    private int _macroDepth;

    private enum Flow { Normal, Break, Continue }

    /// <summary>Renders <paramref name="body"/> with <paramref name="scope"/> as the template's root frame.</summary>
    public static string Render(IReadOnlyList<Statement> body, Scope scope)
    {
        var output = new StringBuilder();
        var renderer = new Renderer();
        if (renderer.Execute(body, scope, output) != Flow.Normal)
            throw new ChatTemplateException("'break' or 'continue' outside a for loop");
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Statement> body, Scope scope, StringBuilder output)
    {
        foreach (Statement statement in body)
        {
            Flow flow = ExecuteOne(statement, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Statement statement, Scope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStatement text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement print:
                output.Append(ValueFormatter.ToStr(ExpressionEvaluator.Evaluate(print.Value, scope)));
                return Flow.Normal;
            case IfStatement conditional:
                foreach (var (condition, branch) in conditional.Branches)
                    if (Values.IsTruthy(ExpressionEvaluator.Evaluate(condition, scope))) return Execute(branch, scope, output);
                return Execute(conditional.Else, scope, output);
            case ForStatement loop:
                return ExecuteFor(loop, scope, output);
            case SetStatement set:
                ExecuteSet(set, scope);
                return Flow.Normal;
            case SetBlockStatement block:
                var captured = new StringBuilder();
                Flow inner = Execute(block.Body, scope, captured);
                scope.Set(block.Target, captured.ToString());
                return inner;
            case MacroStatement macro:
                scope.Set(macro.Name, DefineMacro(macro, scope));
                return Flow.Normal;
            case LoopControlStatement control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            default:
                throw Error($"unsupported statement {statement.GetType().Name}", statement.Position);
        }
    }

    private Flow ExecuteFor(ForStatement loop, Scope scope, StringBuilder output)
    {
        List<object?> items = Values.Iterate(ExpressionEvaluator.Evaluate(loop.Iterable, scope));
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (object? item in items)
            {
                var filterScope = new Scope(scope);
                Bind(loop.Targets, item, filterScope, loop.Position);
                if (Values.IsTruthy(ExpressionEvaluator.Evaluate(loop.Filter, filterScope))) kept.Add(item);
            }
            items = kept;
        }
        else items = [.. items]; // the body may not see the list change under it
        if (items.Count == 0) return Execute(loop.Else, scope, output);

        var context = new LoopContext(items);
        for (int i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var iteration = new Scope(scope);
            iteration.Set("loop", context);
            Bind(loop.Targets, items[i], iteration, loop.Position);
            if (Execute(loop.Body, iteration, output) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private static void ExecuteSet(SetStatement set, Scope scope)
    {
        object? value = ExpressionEvaluator.Evaluate(set.Value, scope);
        if (set.Attribute is null)
        {
            Bind(set.Targets, value, scope, set.Position);
            return;
        }
        scope.TryGet(set.Targets[0], out object? target);
        if (target is not TemplateNamespace ns)
            throw Error($"cannot assign attribute '{set.Attribute}' on '{set.Targets[0]}': only namespace() objects allow it", set.Position);
        ns.Attributes[set.Attribute] = value;
    }

    private static void Bind(IReadOnlyList<string> targets, object? value, Scope scope, SourcePosition at)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], value);
            return;
        }
        List<object?> parts = value is List<object?> or string ? Values.Iterate(value) : throw Error($"cannot unpack '{Values.TypeName(value)}' into {targets.Count} variables", at);
        if (parts.Count != targets.Count) throw Error($"cannot unpack {parts.Count} values into {targets.Count} variables", at);
        for (int i = 0; i < targets.Count; i++) scope.Set(targets[i], parts[i]);
    }

    private JinjaFunction DefineMacro(MacroStatement macro, Scope definitionScope) =>
        new(macro.Name, (args, kwargs) =>
        {
            if (args.Count > macro.Parameters.Count)
                throw new ChatTemplateException($"macro '{macro.Name}' takes {macro.Parameters.Count} argument(s), got {args.Count}");
            var frame = new Scope(definitionScope);
            for (int i = 0; i < macro.Parameters.Count; i++)
            {
                var (name, fallback) = macro.Parameters[i];
                object? value = i < args.Count ? args[i]
                    : kwargs.TryGetValue(name, out object? given) ? given
                    : fallback is null ? new Undefined($"'{name}' is undefined") : ExpressionEvaluator.Evaluate(fallback, frame);
                frame.Set(name, value);
            }
            foreach (string key in kwargs.Keys)
                if (!macro.Parameters.Any(p => p.Name == key)) throw new ChatTemplateException($"macro '{macro.Name}' has no parameter '{key}'");
            if (++_macroDepth > MaxMacroDepth)
            {
                throw Error($"macro '{macro.Name}' recursed deeper than {MaxMacroDepth} calls", macro.Position);
            }
            try
            {
                var output = new StringBuilder();
                Execute(macro.Body, frame, output);
                return output.ToString();
            }
            finally
            {
                _macroDepth--;
            }
        });

    private static ChatTemplateException Error(string message, SourcePosition at) => new(message, at.Line, at.Column);
}
