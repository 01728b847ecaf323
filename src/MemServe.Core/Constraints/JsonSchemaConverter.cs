using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MemServe.Constraints;

/// <summary>Walks one schema and writes GBNF helper rules named <c>{prefix}-N</c>. Not thread-safe; one per conversion.</summary>
internal sealed class JsonSchemaConverter
{
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly",
        "writeOnly", "$defs", "definitions",
    };

    private static readonly HashSet<string> s_supported = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
        "anyOf", "oneOf", "$ref",
    };

    private readonly JsonElement _root;
    private readonly string _p;
    private readonly List<string> _rules = [];
    private readonly Dictionary<string, string> _refs = new(StringComparer.Ordinal);
    private int _next;

    public JsonSchemaConverter(JsonElement root, string prefix) => (_root, _p) = (root, prefix);

    public void AppendRules(StringBuilder sb)
    {
        foreach (string rule in _rules)
            sb.Append(rule).Append('\n');
    }

    /// <summary>A GBNF expression for the values valid under <paramref name="schema"/> (no surrounding whitespace).</summary>
    public string Value(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return $"{_p}-value";
        if (schema.ValueKind == JsonValueKind.False)
            throw ConstraintCompileException.Schema(path, "false", "rejects every value; nothing could be generated");
        if (schema.ValueKind != JsonValueKind.Object)
            throw ConstraintCompileException.Schema(path, "schema", $"must be an object or a boolean, not {schema.ValueKind}");
        foreach (var property in schema.EnumerateObject())
        {
            if (!s_supported.Contains(property.Name) && !s_annotations.Contains(property.Name))
                throw ConstraintCompileException.Schema(path, property.Name, "is not supported");
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            foreach (var property in schema.EnumerateObject())
            {
                if (property.Name != "$ref" && !s_annotations.Contains(property.Name))
                    throw ConstraintCompileException.Schema(path, property.Name, "next to '$ref' is not supported");
            }
            return Ref(reference, path);
        }
        bool any = schema.TryGetProperty("anyOf", out var anyOf);
        bool one = schema.TryGetProperty("oneOf", out var oneOf);
        if (any || one)
        {
            foreach (var property in schema.EnumerateObject())
            {
                if (property.Name is not "anyOf" and not "oneOf" && !s_annotations.Contains(property.Name))
                    throw ConstraintCompileException.Schema(path, property.Name, $"next to '{(any ? "anyOf" : "oneOf")}' is not supported");
            }
            if (any && one)
                throw ConstraintCompileException.Schema(path, "oneOf", "next to 'anyOf' is not supported");
            string keyword = any ? "anyOf" : "oneOf";
            var options = any ? anyOf : oneOf;
            if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0)
                throw ConstraintCompileException.Schema(path, keyword, "must be a non-empty array");
            var parts = new List<string>();
            int i = 0;
            foreach (var option in options.EnumerateArray())
                parts.Add(Value(option, $"{path}.{keyword}[{i++}]"));
            return Rule(string.Join(" | ", parts));
        }
        var types = Types(schema, path);
        if (schema.TryGetProperty("const", out var constant))
            return Constants([constant], types, path, "const");
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw ConstraintCompileException.Schema(path, "enum", "must be a non-empty array");
            return Constants([.. values.EnumerateArray()], types, path, "enum");
        }
        if (types is null)
            return $"{_p}-value";
        var alternatives = new List<string>();
        foreach (string type in types)
        {
            alternatives.Add(type switch
            {
                "object" => JsonObjectSchema.Expression(this, schema, path),
                "array" => Array(schema, path),
                "string" or "integer" or "number" or "boolean" or "null" => $"{_p}-{type}",
                _ => throw ConstraintCompileException.Schema(path, "type", $"has unknown type '{type}'"),
            });
        }
        return alternatives.Count == 1 ? alternatives[0] : Rule(string.Join(" | ", alternatives));
    }

    /// <summary>Adds rule <c>{prefix}-N ::= body</c> and returns its name.</summary>
    public string Rule(string body)
    {
        string name = NewName();
        _rules.Add($"{name} ::= {body}");
        return name;
    }

    public string NewName() => $"{_p}-{_next++}";

    public void Define(string name, string body) => _rules.Add($"{name} ::= {body}");

    public string Prefix => _p;

    private static List<string>? Types(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            // Object/array keywords without a type: generate that type (tighter than the schema, never looser).
            if (schema.TryGetProperty("properties", out _) || schema.TryGetProperty("required", out _) || schema.TryGetProperty("additionalProperties", out _))
                return ["object"];
            if (schema.TryGetProperty("items", out _) || schema.TryGetProperty("minItems", out _) || schema.TryGetProperty("maxItems", out _))
                return ["array"];
            return null;
        }
        if (type.ValueKind == JsonValueKind.String)
            return [type.GetString()!];
        if (type.ValueKind != JsonValueKind.Array || type.GetArrayLength() == 0)
            throw ConstraintCompileException.Schema(path, "type", "must be a type name or a non-empty array of them");
        var types = new List<string>();
        foreach (var t in type.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.String)
                throw ConstraintCompileException.Schema(path, "type", "must hold only type names");
            types.Add(t.GetString()!);
        }
        return types;
    }

    private string Constants(List<JsonElement> values, List<string>? types, string path, string keyword)
    {
        var literals = new List<string>();
        foreach (var value in values)
        {
            if (types is null || types.Exists(t => Matches(value, t)))
                literals.Add(JsonGrammarText.Literal(JsonGrammarText.CompactJson(value)));
        }
        if (literals.Count == 0)
            throw ConstraintCompileException.Schema(path, keyword, "has no value of the schema's 'type'");
        return literals.Count == 1 ? literals[0] : Rule(string.Join(" | ", literals));
    }

    private static bool Matches(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal d) && d == decimal.Truncate(d),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    private string Array(JsonElement schema, string path)
    {
        string item = $"{_p}-value";
        if (schema.TryGetProperty("items", out var items))
        {
            if (items.ValueKind == JsonValueKind.Array)
                throw ConstraintCompileException.Schema(path, "items", "as an array (tuple validation) is not supported");
            item = Value(items, path + ".items");
        }
        int min = Count(schema, "minItems", path, 0);
        int max = Count(schema, "maxItems", path, -1);
        if (max >= 0 && max < min)
            throw ConstraintCompileException.Schema(path, "maxItems", $"({max}) is below minItems ({min})");
        string ws = $"{_p}-ws";
        if (max == 0)
            return Rule($"\"[\" {ws} \"]\"");
        string element = Rule($"{item} {ws}");
        string more = max < 0 ? $"{{{Math.Max(min - 1, 0)},}}" : $"{{{Math.Max(min - 1, 0)},{max - 1}}}";
        string sequence = $"{element} ( \",\" {ws} {element} ){more}";
        return Rule(min == 0 ? $"\"[\" {ws} ( {sequence} )? \"]\"" : $"\"[\" {ws} {sequence} \"]\"");
    }

    private static int Count(JsonElement schema, string keyword, string path, int absent)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return absent;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n < 0)
            throw ConstraintCompileException.Schema(path, keyword, "must be a non-negative integer");
        if (n > GbnfParser.MaxRepetition)
            throw ConstraintCompileException.Schema(path, keyword, $"({n}) is over the limit of {GbnfParser.MaxRepetition}");
        return n;
    }

    private string Ref(JsonElement reference, string path)
    {
        string? target = reference.ValueKind == JsonValueKind.String ? reference.GetString() : null;
        if (target is null || !target.StartsWith('#'))
            throw ConstraintCompileException.Schema(path, "$ref", $"'{target}' is not supported (only local references '#/...')");
        if (_refs.TryGetValue(target, out string? name))
            return name;
        var node = _root;
        string pointer = target[1..];
        if (pointer.Length > 0)
        {
            if (pointer[0] != '/')
                throw ConstraintCompileException.Schema(path, "$ref", $"'{target}' is not a JSON pointer");
            foreach (string raw in pointer[1..].Split('/'))
            {
                string part = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(part, out var child))
                    node = child;
                else if (node.ValueKind == JsonValueKind.Array && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < node.GetArrayLength())
                    node = node[index];
                else
                    throw ConstraintCompileException.Schema(path, "$ref", $"'{target}' does not resolve");
            }
        }
        name = NewName();
        _refs[target] = name;
        Define(name, Value(node, "$" + pointer.Replace('/', '.')));
        return name;
    }
}
