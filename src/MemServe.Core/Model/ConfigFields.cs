using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// Typed reads of config.json fields. Every failure is a <see cref="ModelConfigException"/> whose
/// message names the source file and the field. A field whose value is JSON <c>null</c> counts as absent.
/// </summary>
internal readonly struct ConfigFields
{
    private readonly JsonElement _root;
    private readonly string _fieldPrefix;

    /// <param name="root">The JSON object holding the fields.</param>
    /// <param name="sourceName">The file, for messages.</param>
    /// <param name="fieldPrefix">Prepended to field names in messages (e.g. <c>rope_scaling.</c>).</param>
    public ConfigFields(JsonElement root, string sourceName, string fieldPrefix = "")
    {
        _root = root;
        _fieldPrefix = fieldPrefix;
        SourceName = sourceName;
    }

    /// <summary>The file the fields come from, for messages.</summary>
    public string SourceName { get; }

    /// <summary>The value of <paramref name="name"/>, or false when absent or null.</summary>
    public bool TryGet(string name, out JsonElement value)
    {
        if (_root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    /// <summary>A required integer greater than zero.</summary>
    public int RequiredPositiveInt(string name)
    {
        if (!TryGet(name, out JsonElement value))
        {
            throw Error(name, "is missing");
        }
        return PositiveInt(name, value);
    }

    /// <summary>An optional integer greater than zero.</summary>
    public int? OptionalPositiveInt(string name) =>
        TryGet(name, out JsonElement value) ? PositiveInt(name, value) : null;

    /// <summary>An optional integer ≥ 0 (token ids).</summary>
    public int? OptionalTokenId(string name)
    {
        if (!TryGet(name, out JsonElement value)) return null;
        return TokenId(name, value);
    }

    /// <summary>A required number greater than zero.</summary>
    public double RequiredPositiveDouble(string name)
    {
        if (!TryGet(name, out JsonElement value)) throw Error(name, "is missing");
        return PositiveDouble(name, value);
    }

    /// <summary>An optional number greater than zero, or <paramref name="fallback"/> when absent.</summary>
    public double OptionalPositiveDouble(string name, double fallback) =>
        TryGet(name, out JsonElement value) ? PositiveDouble(name, value) : fallback;

    /// <summary>An optional boolean, or <paramref name="fallback"/> when absent.</summary>
    public bool OptionalBool(string name, bool fallback)
    {
        if (!TryGet(name, out JsonElement value)) return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false, found {Describe(value)}"),
        };
    }

    /// <summary>An optional string.</summary>
    public string? OptionalString(string name)
    {
        if (!TryGet(name, out JsonElement value)) return null;
        if (value.ValueKind != JsonValueKind.String) throw Error(name, $"must be a string, found {Describe(value)}");
        return value.GetString();
    }

    /// <summary>Appends the ids of an int-or-list token field to <paramref name="ids"/>, skipping ids already there.</summary>
    public void AddTokenIds(string name, List<int> ids)
    {
        if (!TryGet(name, out JsonElement value)) return;
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in value.EnumerateArray()) AddDistinct(ids, TokenId(name, item));
        }
        else
        {
            AddDistinct(ids, TokenId(name, value));
        }
    }

    /// <summary>Creates the exception for a bad field.</summary>
    public ModelConfigException Error(string name, string problem) =>
        new($"{SourceName}: field '{_fieldPrefix}{name}' {problem}.");

    private static void AddDistinct(List<int> ids, int id)
    {
        if (!ids.Contains(id)) ids.Add(id);
    }

    private int PositiveInt(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
        {
            throw Error(name, $"must be an integer, found {Describe(value)}");
        }
        if (result <= 0) throw Error(name, $"must be positive, found {result}");
        return result;
    }

    private int TokenId(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result) || result < 0)
        {
            throw Error(name, $"must be a non-negative integer token id (or a list of them), found {Describe(value)}");
        }
        return result;
    }

    private double PositiveDouble(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) throw Error(name, $"must be a number, found {Describe(value)}");
        double result = value.GetDouble();
        if (!(result > 0) || double.IsInfinity(result)) throw Error(name, $"must be a positive finite number, found {result}");
        return result;
    }

    /// <summary>A short rendering of a JSON value for messages.</summary>
    public static string Describe(JsonElement value)
    {
        string text = value.GetRawText();
        return text.Length <= 40 ? text : text[..40] + "…";
    }
}
