using System.Globalization;
using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control the way Hugging Face renders chat
/// templates: <c>trim_blocks</c> (the first newline after a block or comment tag is dropped), <c>lstrip_blocks</c>
/// (spaces and tabs between a line start and a block or comment tag are dropped), <c>{%-</c>/<c>-%}</c> (all
/// whitespace before/after the tag is dropped) and <c>{%+</c>/<c>+%}</c> (turn the two options off for one tag).
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] s_operators =
    [
        "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
        "(", ")", "[", "]", "{", "}", ".", ",", ":", "|",
    ];

    private readonly string _source;
    private readonly List<Token> _tokens = [];
    private readonly List<int> _lineStarts = [0];
    private int _pos;
    private bool _stripNextText;
    private bool _trimNextNewline;

    private Lexer(string source)
    {
        // As Jinja: line endings become '\n', and one trailing newline is dropped (keep_trailing_newline=False).
        source = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        _source = source;
        for (int i = 0; i < source.Length; i++)
            if (source[i] == '\n') _lineStarts.Add(i + 1);
    }

    /// <summary>Tokenizes <paramref name="source"/>; the list ends with an <see cref="TokenKind.End"/> token.</summary>
    public static List<Token> Tokenize(string source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            int open = FindTagOpen(_pos);
            int textStart = _pos;
            int textEnd = open < 0 ? _source.Length : open;
            if (_stripNextText)
            {
                while (textStart < textEnd && char.IsWhiteSpace(_source[textStart])) textStart++;
            }
            else if (_trimNextNewline)
            {
                if (textStart < textEnd && _source[textStart] == '\n') textStart++;
                else if (textStart + 1 < textEnd && _source[textStart] == '\r' && _source[textStart + 1] == '\n') textStart += 2;
            }
            _stripNextText = _trimNextNewline = false;
            if (open < 0)
            {
                EmitText(textStart, textEnd);
                break;
            }

            char kind = _source[open + 1];
            char sign = open + 2 < _source.Length ? _source[open + 2] : '\0';
            if (sign == '-')
            {
                while (textEnd > textStart && char.IsWhiteSpace(_source[textEnd - 1])) textEnd--;
            }
            else if (kind != '{' && sign != '+')
            {
                textEnd = LeftStripBlock(textStart, textEnd);
            }
            EmitText(textStart, textEnd);

            _pos = open + 2 + (sign == '-' || (sign == '+' && kind != '{') ? 1 : 0);
            if (kind == '#') LexComment(open);
            else LexTag(open, kind == '{');
        }
        _tokens.Add(new Token(TokenKind.End, "", PositionOf(_source.Length)));
    }

    /// <summary>lstrip_blocks: drops the spaces and tabs that run from a line start up to the tag.</summary>
    private int LeftStripBlock(int textStart, int textEnd)
    {
        int i = textEnd;
        while (i > textStart && _source[i - 1] is ' ' or '\t') i--;
        bool atLineStart = i == 0 || _source[i - 1] == '\n';
        return atLineStart ? i : textEnd;
    }

    private int FindTagOpen(int from)
    {
        for (int i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#') return i;
        }
        return -1;
    }

    private void EmitText(int start, int end)
    {
        if (end > start) _tokens.Add(new Token(TokenKind.Text, _source[start..end], PositionOf(start)));
    }

    private void LexComment(int open)
    {
        int close = _source.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (close < 0) throw Error("unclosed comment: '{#' has no matching '#}'", open);
        bool minus = close > _pos && _source[close - 1] == '-';
        bool plus = close > _pos && _source[close - 1] == '+';
        _pos = close + 2;
        _stripNextText = minus;
        _trimNextNewline = !minus && !plus;
    }

    private void LexTag(int open, bool isVariable)
    {
        _tokens.Add(new Token(isVariable ? TokenKind.VariableStart : TokenKind.BlockStart, isVariable ? "{{" : "{%", PositionOf(open)));
        string close = isVariable ? "}}" : "%}";
        int depth = 0;
        while (true)
        {
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos])) _pos++;
            if (_pos >= _source.Length)
                throw Error($"unclosed tag: '{(isVariable ? "{{" : "{%")}' has no matching '{close}'", open);
            if (depth == 0 && TryClose(close, isVariable)) return;
            char c = _source[_pos];
            int start = _pos;
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (_pos < _source.Length && (char.IsAsciiLetterOrDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
                Add(TokenKind.Name, _source[start.._pos], start);
            }
            else if (char.IsAsciiDigit(c)) LexNumber(start);
            else if (c is '\'' or '"') Add(TokenKind.String, LexString(c, start), start);
            else LexOperator(start, ref depth);
        }
    }

    private bool TryClose(string close, bool isVariable)
    {
        int at = _pos;
        char sign = _source[at];
        if ((sign == '-' || (sign == '+' && !isVariable)) && string.CompareOrdinal(_source, at + 1, close, 0, 2) == 0) at++;
        else sign = '\0';
        if (string.CompareOrdinal(_source, at, close, 0, 2) != 0) return false;
        _tokens.Add(new Token(isVariable ? TokenKind.VariableEnd : TokenKind.BlockEnd, close, PositionOf(at)));
        _pos = at + 2;
        _stripNextText = sign == '-';
        _trimNextNewline = !isVariable && sign == '\0';
        return true;
    }

    private void LexNumber(int start)
    {
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        bool isFloat = false;
        if (_pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
        }
        if (_pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            int save = _pos++;
            if (_pos < _source.Length && _source[_pos] is '+' or '-') _pos++;
            if (_pos < _source.Length && char.IsAsciiDigit(_source[_pos]))
            {
                isFloat = true;
                while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
            }
            else _pos = save;
        }
        Add(isFloat ? TokenKind.Float : TokenKind.Integer, _source[start.._pos].Replace("_", "", StringComparison.Ordinal), start);
    }

    private string LexString(char quote, int start)
    {
        var text = new StringBuilder();
        _pos++;
        while (true)
        {
            if (_pos >= _source.Length) throw Error("unterminated string literal", start);
            char c = _source[_pos++];
            if (c == quote) return text.ToString();
            if (c != '\\' || _pos >= _source.Length)
            {
                text.Append(c);
                continue;
            }
            char e = _source[_pos++];
            switch (e)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case '0': text.Append('\0'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case '\\' or '\'' or '"': text.Append(e); break;
                case '\n': break;
                case 'x': text.Append(HexEscape(2, start)); break;
                case 'u': text.Append(HexEscape(4, start)); break;
                case 'U': text.Append(HexEscape(8, start)); break;
                default: text.Append('\\').Append(e); break;
            }
        }
    }

    private string HexEscape(int digits, int start)
    {
        if (_pos + digits > _source.Length
            || !int.TryParse(_source.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
            || code > 0x10FFFF)
            throw Error($"invalid \\{(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U')} escape in string literal", start);
        _pos += digits;
        return char.ConvertFromUtf32(code);
    }

    private void LexOperator(int start, ref int depth)
    {
        foreach (string op in s_operators)
        {
            if (string.CompareOrdinal(_source, _pos, op, 0, op.Length) != 0) continue;
            if (op is "(" or "[" or "{") depth++;
            else if (op is ")" or "]" or "}")
            {
                if (depth == 0) throw Error($"unexpected '{op}'", start);
                depth--;
            }
            _pos += op.Length;
            Add(TokenKind.Operator, op, start);
            return;
        }
        throw Error($"unexpected character '{_source[_pos]}'", start);
    }

    private void Add(TokenKind kind, string value, int at) => _tokens.Add(new Token(kind, value, PositionOf(at)));

    private SourcePosition PositionOf(int index)
    {
        int line = _lineStarts.BinarySearch(index);
        if (line < 0) line = ~line - 1;
        return new SourcePosition(line + 1, index - _lineStarts[line] + 1);
    }

    private ChatTemplateException Error(string message, int at)
    {
        SourcePosition p = PositionOf(at);
        return new ChatTemplateException(message, p.Line, p.Column);
    }
}
