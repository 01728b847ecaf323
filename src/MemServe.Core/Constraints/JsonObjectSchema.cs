using System.Text;
using System.Text.Json;

namespace MemServe.Constraints;

/// <summary>
/// GBNF for <c>type: object</c>. Declared properties come in schema order, required ones always and optional ones
/// maybe; extra properties (additionalProperties true or a schema) may follow them, with keys that differ from every
/// declared name and use no escapes. Without <c>properties</c> and without <c>additionalProperties: false</c> any
/// object is allowed. With <c>properties</c> and no <c>additionalProperties</c>, only declared properties are
/// generated (a subset of what the schema allows).
/// </summary>
internal static class JsonObjectSchema
{
    public static string Expression(JsonSchemaConverter c, JsonElement schema, string path)
    {
        string p = c.Prefix, ws = $"{p}-ws";
        var names = new List<string>();
        var values = new List<string>();
        if (schema.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
                throw ConstraintCompileException.Schema(path, "properties", "must be an object");
            foreach (var property in properties.EnumerateObject())
            {
                names.Add(property.Name);
                values.Add(c.Value(property.Value, $"{path}.properties.{property.Name}"));
            }
        }
        var required = new bool[names.Count];
        if (schema.TryGetProperty("required", out var requiredNames))
        {
            if (requiredNames.ValueKind != JsonValueKind.Array)
                throw ConstraintCompileException.Schema(path, "required", "must be an array of property names");
            foreach (var name in requiredNames.EnumerateArray())
            {
                int index = name.ValueKind == JsonValueKind.String ? names.IndexOf(name.GetString()!) : -1;
                if (index < 0)
                    throw ConstraintCompileException.Schema(path, "required", $"names {name.GetRawText()}, which is not in 'properties'");
                required[index] = true;
            }
        }
        string? extraValue = names.Count == 0 ? $"{p}-value" : null;
        if (schema.TryGetProperty("additionalProperties", out var additional))
        {
            extraValue = additional.ValueKind switch
            {
                JsonValueKind.False => null,
                JsonValueKind.True => $"{p}-value",
                JsonValueKind.Object => c.Value(additional, path + ".additionalProperties"),
                _ => throw ConstraintCompileException.Schema(path, "additionalProperties", "must be a boolean or a schema"),
            };
        }

        string? extraMember = extraValue is null ? null
            : c.Rule($"{(names.Count == 0 ? $"{p}-string" : ExcludedKey(c, names))} {ws} \":\" {ws} {extraValue} {ws}");
        var members = new string[names.Count];
        for (int i = 0; i < names.Count; i++)
            members[i] = c.Rule($"{JsonGrammarText.Literal(JsonGrammarText.JsonString(names[i]))} {ws} \":\" {ws} {values[i]} {ws}");

        // tail[k, h]: properties k.. and the extras, where h says whether a member was already written (so the next
        // one needs a comma). Built from the end so each rule refers to rules already named.
        string sep = $"\",\" {ws}";
        string tailWith = extraMember is null ? "" : c.Rule($"| {sep} {extraMember} ( {sep} {extraMember} )*");
        string tailWithout = extraMember is null ? "" : c.Rule($"| {extraMember} ( {sep} {extraMember} )*");
        for (int k = names.Count - 1; k >= 0; k--)
        {
            string withMember = $"{sep} {members[k]} {tailWith}";
            string withoutMember = $"{members[k]} {tailWith}";
            string newWith = c.Rule(required[k] ? withMember : $"{withMember} | {tailWith}");
            string newWithout = c.Rule(required[k] ? withoutMember : $"{withoutMember} | {tailWithout}");
            (tailWith, tailWithout) = (newWith, newWithout);
        }
        return c.Rule($"\"{{\" {ws} {tailWithout} \"}}\"");
    }

    /// <summary>A JSON string (quotes included, no escapes) whose content is none of <paramref name="names"/>.</summary>
    private static string ExcludedKey(JsonSchemaConverter c, List<string> names)
    {
        string p = c.Prefix;
        var trie = new KeyTrie();
        foreach (string name in names)
        {
            if (name.AsSpan().IndexOfAny("\"\\") < 0 && !name.AsSpan().ContainsAnyInRange('\0', '\x1F'))
                trie.Add(name);
        }
        string free = c.Rule($"[^\"\\\\\\x00-\\x1F]* \"\\\"\"");
        return c.Rule($"\"\\\"\" {Node(trie.Root)}");

        string Node(KeyTrie.Node node)
        {
            var alternatives = new List<string>();
            if (!node.IsName)
                alternatives.Add("\"\\\"\"");
            var excluded = new StringBuilder("[^\"\\\\\\x00-\\x1F");
            foreach (var (cp, child) in node.Children)
            {
                alternatives.Add($"[{JsonGrammarText.ClassChar(cp)}] {Node(child)}");
                excluded.Append(JsonGrammarText.ClassChar(cp));
            }
            alternatives.Add($"{excluded}] {free}");
            return c.Rule(string.Join(" | ", alternatives));
        }
    }

    private sealed class KeyTrie
    {
        public sealed class Node
        {
            public bool IsName;
            public SortedDictionary<int, Node> Children = [];
        }

        public Node Root { get; } = new();

        public void Add(string name)
        {
            var node = Root;
            for (int i = 0; i < name.Length; i += char.IsSurrogatePair(name, i) ? 2 : 1)
            {
                int cp = char.ConvertToUtf32(name, i);
                if (!node.Children.TryGetValue(cp, out var child))
                    node.Children[cp] = child = new Node();
                node = child;
            }
            node.IsName = true;
        }
    }
}
