using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MemServe.Constraints;

/// <summary>
/// GBNF text for JSON: the shared primitive rules (whitespace, strings, numbers, any value, any object), literals
/// for constant values, and escaping helpers. Whitespace policy: wherever JSON allows whitespace the grammar allows
/// nothing, one space, or a newline followed by up to 20 spaces, so a model cannot loop on whitespace.
/// </summary>
internal static class JsonGrammarText
{
    /// <summary>The most spaces after a newline that the whitespace rule (<c>[ ]{0,20}</c>) allows.</summary>
    public const int MaxIndent = 20;

    /// <summary><c>root ::= any JSON object</c> plus its helpers.</summary>
    public static string AnyObjectGrammar()
    {
        var sb = new StringBuilder("root ::= root-object\n");
        AppendPrimitives(sb, "root");
        return sb.ToString();
    }

    /// <summary>Appends the rules <c>{p}-ws</c>, <c>-string</c>, <c>-integer</c>, <c>-number</c>, <c>-boolean</c>,
    /// <c>-null</c>, <c>-value</c>, <c>-object</c>, <c>-array</c> and their helpers.</summary>
    public static void AppendPrimitives(StringBuilder sb, string p)
    {
        sb.Append($$"""
            {{p}}-ws ::= | " " | "\n" [ ]{0,20}
            {{p}}-string ::= "\"" {{p}}-char* "\""
            {{p}}-char ::= [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" {{p}}-hex4 | "u" [dD] [89abAB] {{p}}-hex {{p}}-hex "\\u" [dD] [c-fC-F] {{p}}-hex {{p}}-hex )
            {{p}}-hex4 ::= ( [0-9a-cA-Ce-fE-F] {{p}}-hex | [dD] [0-7] ) {{p}}-hex {{p}}-hex
            {{p}}-hex ::= [0-9a-fA-F]
            {{p}}-integer ::= "-"? ( "0" | [1-9] [0-9]* )
            {{p}}-number ::= {{p}}-integer ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
            {{p}}-boolean ::= "true" | "false"
            {{p}}-null ::= "null"
            {{p}}-value ::= {{p}}-object | {{p}}-array | {{p}}-string | {{p}}-number | {{p}}-boolean | {{p}}-null
            {{p}}-object ::= "{" {{p}}-ws ( {{p}}-member ( "," {{p}}-ws {{p}}-member )* )? "}"
            {{p}}-member ::= {{p}}-string {{p}}-ws ":" {{p}}-ws {{p}}-value {{p}}-ws
            {{p}}-array ::= "[" {{p}}-ws ( {{p}}-value {{p}}-ws ( "," {{p}}-ws {{p}}-value {{p}}-ws )* )? "]"

            """);
    }

    /// <summary>A GBNF string literal that matches exactly <paramref name="text"/>.</summary>
    public static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7F)
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>One code point written for a GBNF character class.</summary>
    public static string ClassChar(int cp) =>
        char.IsAsciiLetterOrDigit((char)Math.Min(cp, 0x7F)) && cp < 0x80 ? ((char)cp).ToString()
        : cp <= 0xFFFF ? $"\\u{cp:X4}" : $"\\U{cp:X8}";

    /// <summary>Compact JSON text of <paramref name="value"/> with minimal string escapes (the form the grammar emits).</summary>
    public static string CompactJson(JsonElement value)
    {
        var sb = new StringBuilder();
        Write(value, sb);
        return sb.ToString();
    }

    /// <summary>The JSON string literal (quotes included) of <paramref name="text"/> with minimal escapes.</summary>
    public static string JsonString(string text)
    {
        var sb = new StringBuilder();
        WriteString(text, sb);
        return sb.ToString();
    }

    private static void Write(JsonElement value, StringBuilder sb)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                bool first = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(property.Name, sb);
                    sb.Append(':');
                    Write(property.Value, sb);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                int i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (i++ > 0) sb.Append(',');
                    Write(item, sb);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(value.GetString()!, sb);
                break;
            default:
                sb.Append(value.GetRawText());
                break;
        }
    }

    private static void WriteString(string text, StringBuilder sb)
    {
        sb.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
