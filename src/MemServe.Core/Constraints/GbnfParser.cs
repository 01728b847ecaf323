using System.Globalization;

namespace MemServe.Constraints;

/// <summary>
/// Parses llama.cpp GBNF: <c>name ::= alternatives</c>, string literals and character classes with escapes
/// (\n \r \t \\ \" \[ \] \- \^ \xHH \uHHHH \UHHHHHHHH), <c>.</c>, groups, <c>* + ? {m} {m,} {m,n}</c>, <c>#</c>
/// comments, rule references. A rule may span lines; it ends where the next <c>name ::=</c> starts. Errors throw
/// <see cref="ConstraintCompileException"/> with line:column. Not thread-safe; one instance per parse.
/// </summary>
internal sealed class GbnfParser
{
    /// <summary>The most copies one <c>{m,n}</c> may expand to.</summary>
    public const int MaxRepetition = 10_000;

    private readonly string _text;
    private readonly GrammarRules _rules = new();
    private int _pos;

    private GbnfParser(string text) => _text = text;

    public static GrammarRules Parse(string grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        var parser = new GbnfParser(grammar);
        parser.ParseRules();
        return parser._rules;
    }

    private void ParseRules()
    {
        SkipSpace();
        if (_pos >= _text.Length)
            throw Error("the grammar is empty");
        while (_pos >= 0 && _pos < _text.Length)
        {
            int start = _pos;
            string name = ParseName();
            var (line, column) = LineColumn(start);
            SkipSpace();
            if (!_text.AsSpan(_pos).StartsWith("::="))
                throw Error("expected '::=' after rule name");
            _pos += 3;
            int id = _rules.Id(name, line, column);
            if (_rules.Bodies[id] is not null)
                throw ConstraintCompileException.Grammar(line, column, $"rule '{name}' is defined twice");
            _rules.DefinedAt[id] = (line, column);
            _rules.Bodies[id] = ParseAlternatives(name, nested: false);
            if (_pos < _text.Length && _text[_pos] == ')')
                throw Error("unmatched ')'");
        }
    }

    private List<GrammarItem[]> ParseAlternatives(string rule, bool nested)
    {
        var alternatives = new List<GrammarItem[]> { ParseSequence(rule, nested) };
        while (_pos < _text.Length && _text[_pos] == '|')
        {
            _pos++;
            alternatives.Add(ParseSequence(rule, nested));
        }
        return alternatives;
    }

    private GrammarItem[] ParseSequence(string rule, bool nested)
    {
        var items = new List<GrammarItem>();
        List<GrammarItem>? last = null;
        while (true)
        {
            SkipSpace();
            if (_pos >= _text.Length || _text[_pos] is '|' or ')' || (!nested && AtRuleStart()))
                break;
            char c = _text[_pos];
            if (c is '*' or '+' or '?' or '{')
            {
                if (last is null)
                    throw Error($"'{c}' has nothing to repeat");
                items.RemoveRange(items.Count - last.Count, last.Count);
                last = Repeat(rule, last, c);
                items.AddRange(last);
                last = null;
                continue;
            }
            last = ParseAtom(rule);
            items.AddRange(last);
        }
        return [.. items];
    }

    private List<GrammarItem> ParseAtom(string rule)
    {
        char c = _text[_pos];
        if (c == '"')
        {
            int open = _pos++;
            var items = new List<GrammarItem>();
            while (true)
            {
                if (_pos >= _text.Length || _text[_pos] == '\n')
                    throw ErrorAt(open, "unterminated string literal");
                if (_text[_pos] == '"')
                    break;
                int cp = ParseChar();
                items.Add(GrammarItem.Chars([cp, cp]));
            }
            _pos++;
            return items;
        }
        if (c == '[')
            return [GrammarItem.Chars(ParseClass())];
        if (c == '.')
        {
            _pos++;
            return [GrammarItem.Chars(CodePointRanges.Any)];
        }
        if (c == '(')
        {
            _pos++;
            var body = ParseAlternatives(rule, nested: true);
            if (_pos >= _text.Length || _text[_pos] != ')')
                throw Error("expected ')'");
            _pos++;
            return [GrammarItem.Ref(_rules.AddHelper(rule, body))];
        }
        if (IsNameChar(c))
        {
            var (line, column) = LineColumn(_pos);
            return [GrammarItem.Ref(_rules.Id(ParseName(), line, column))];
        }
        throw Error($"unexpected character '{c}'");
    }

    private int[] ParseClass()
    {
        int open = _pos++;
        bool negated = _pos < _text.Length && _text[_pos] == '^';
        if (negated)
            _pos++;
        var ranges = new List<int>();
        while (true)
        {
            if (_pos >= _text.Length)
                throw ErrorAt(open, "unterminated character class");
            if (_text[_pos] == ']')
                break;
            int from = _pos;
            int lo = ParseChar(), hi = lo;
            if (_pos + 1 < _text.Length && _text[_pos] == '-' && _text[_pos + 1] != ']')
            {
                _pos++;
                hi = ParseChar();
                if (hi < lo)
                    throw ErrorAt(from, $"range end U+{hi:X4} is before its start U+{lo:X4}");
            }
            ranges.Add(lo);
            ranges.Add(hi);
        }
        _pos++;
        int[] set = CodePointRanges.Normalize(ranges);
        return negated ? CodePointRanges.Complement(set) : set;
    }

    private int ParseChar()
    {
        char c = _text[_pos];
        if (c != '\\')
        {
            if (char.IsHighSurrogate(c) && _pos + 1 < _text.Length && char.IsLowSurrogate(_text[_pos + 1]))
            {
                _pos += 2;
                return char.ConvertToUtf32(c, _text[_pos - 1]);
            }
            _pos++;
            return c;
        }
        if (_pos + 1 >= _text.Length)
            throw Error("escape at end of grammar");
        char e = _text[_pos + 1];
        _pos += 2;
        switch (e)
        {
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case '\\' or '"' or '[' or ']' or '-' or '^' or '/' or '\'': return e;
            case 'x': return Hex(2);
            case 'u': return Hex(4);
            case 'U': return Hex(8);
            default:
                _pos -= 2;
                throw Error($"unknown escape '\\{e}'");
        }
    }

    private int Hex(int digits)
    {
        if (_pos + digits > _text.Length
            || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value)
            || value > 0x10FFFF)
        {
            throw Error($"expected {digits} hex digits");
        }
        _pos += digits;
        return value;
    }

    private List<GrammarItem> Repeat(string rule, List<GrammarItem> atom, char op)
    {
        int start = _pos;
        _pos++;
        int min, max;
        switch (op)
        {
            case '*': (min, max) = (0, -1); break;
            case '+': (min, max) = (1, -1); break;
            case '?': (min, max) = (0, 1); break;
            default:
                SkipSpace();
                min = ParseInt();
                SkipSpace();
                max = min;
                if (_pos < _text.Length && _text[_pos] == ',')
                {
                    _pos++;
                    SkipSpace();
                    max = _pos < _text.Length && char.IsAsciiDigit(_text[_pos]) ? ParseInt() : -1;
                    SkipSpace();
                }
                if (_pos >= _text.Length || _text[_pos] != '}')
                    throw Error("expected '}' after repetition count");
                _pos++;
                if (max >= 0 && max < min)
                    throw ErrorAt(start, $"repetition {{{min},{max}}} has max below min");
                if (Math.Max(min, max) > MaxRepetition)
                    throw ErrorAt(start, $"repetition count over the limit of {MaxRepetition}");
                break;
        }
        var result = new List<GrammarItem>();
        for (int i = 0; i < min; i++)
            result.AddRange(atom);
        if (max < 0)
        {
            // star ::= atom star | ε  (right recursion: the matcher pops it without growing its stack)
            int star = _rules.AddHelper(rule, []);
            _rules.Bodies[star] = [[.. atom, GrammarItem.Ref(star)], []];
            result.Add(GrammarItem.Ref(star));
        }
        else if (max > min)
        {
            // opt_k ::= atom opt_(k-1) | ε, nested max - min times
            int inner = _rules.AddHelper(rule, [[.. atom], []]);
            for (int k = 1; k < max - min; k++)
                inner = _rules.AddHelper(rule, [[.. atom, GrammarItem.Ref(inner)], []]);
            result.Add(GrammarItem.Ref(inner));
        }
        return result;
    }

    private int ParseInt()
    {
        int start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            _pos++;
        if (start == _pos)
            throw Error("expected a repetition count");
        if (!int.TryParse(_text.AsSpan(start, _pos - start), CultureInfo.InvariantCulture, out int value) || value > MaxRepetition)
            throw ErrorAt(start, $"repetition count over the limit of {MaxRepetition}");
        return value;
    }

    private string ParseName()
    {
        int start = _pos;
        while (_pos < _text.Length && IsNameChar(_text[_pos]))
            _pos++;
        if (start == _pos)
            throw Error("expected a rule name");
        return _text[start.._pos];
    }

    private bool AtRuleStart()
    {
        int p = _pos;
        while (p < _text.Length && IsNameChar(_text[p]))
            p++;
        if (p == _pos)
            return false;
        while (p < _text.Length && _text[p] is ' ' or '\t' or '\r' or '\n')
            p++;
        return _text.AsSpan(p).StartsWith("::=");
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                    _pos++;
            }
            else if (c is ' ' or '\t' or '\r' or '\n')
                _pos++;
            else
                break;
        }
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private (int Line, int Column) LineColumn(int pos)
    {
        int line = 1, column = 1;
        for (int i = 0; i < pos && i < _text.Length; i++)
        {
            if (_text[i] == '\n') { line++; column = 1; }
            else column++;
        }
        return (line, column);
    }

    private ConstraintCompileException Error(string problem) => ErrorAt(_pos, problem);

    private ConstraintCompileException ErrorAt(int pos, string problem)
    {
        var (line, column) = LineColumn(pos);
        return ConstraintCompileException.Grammar(line, column, problem);
    }
}
