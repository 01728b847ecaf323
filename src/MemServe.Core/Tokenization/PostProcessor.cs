using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// The single-sequence effect of a tokenizer.json "post_processor": ids placed before and after the
/// encoded text when special tokens are requested (TemplateProcessing "single", Bert/Roberta cls+sep,
/// ByteLevel adds none, Sequence composes). Immutable and thread-safe.
/// </summary>
internal sealed class PostProcessor
{
    /// <summary>No post-processing.</summary>
    public static readonly PostProcessor None = new([], []);

    /// <summary>Ids placed before the text.</summary>
    public int[] Prefix { get; }

    /// <summary>Ids placed after the text.</summary>
    public int[] Suffix { get; }

    private PostProcessor(int[] prefix, int[] suffix)
    {
        Prefix = prefix;
        Suffix = suffix;
    }

    /// <summary>Surrounds <paramref name="ids"/> with <see cref="Prefix"/> and <see cref="Suffix"/>.</summary>
    public int[] Apply(List<int> ids)
    {
        var result = new int[Prefix.Length + ids.Count + Suffix.Length];
        Prefix.CopyTo(result, 0);
        ids.CopyTo(result, Prefix.Length);
        Suffix.CopyTo(result, Prefix.Length + ids.Count);
        return result;
    }

    /// <summary>Reads a post-processor object; unknown types throw <see cref="TokenizerFormatException"/>.</summary>
    public static PostProcessor Parse(JsonElement element, TokenizerJson json, string path)
    {
        string type = json.TypeOf(element, path);
        switch (type)
        {
            case "ByteLevel":
                return None;
            case "TemplateProcessing":
                return ParseTemplate(element, json, path);
            case "BertProcessing":
            case "RobertaProcessing":
                int cls = ReadPairId(element, "cls", json, path);
                int sep = ReadPairId(element, "sep", json, path);
                return new PostProcessor([cls], [sep]);
            case "Sequence":
                var items = json.Array(element, "processors", path);
                var prefix = new List<int>();
                var suffix = new List<int>();
                for (int i = 0; i < items.GetArrayLength(); i++)
                {
                    var step = Parse(items[i], json, $"{path}.processors[{i}]");
                    prefix.InsertRange(0, step.Prefix);
                    suffix.AddRange(step.Suffix);
                }
                return new PostProcessor([.. prefix], [.. suffix]);
            default:
                throw json.Unsupported($"{path}.type", type);
        }
    }

    private static int ReadPairId(JsonElement element, string name, TokenizerJson json, string path)
    {
        var pair = json.Required(element, name, path);
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
            throw json.Error($"{path}.{name}", "must be [token, id]");
        return json.Int(pair[1], $"{path}.{name}[1]");
    }

    private static PostProcessor ParseTemplate(JsonElement element, TokenizerJson json, string path)
    {
        var single = json.Array(element, "single", path);
        var specials = TokenizerJson.Optional(element, "special_tokens");
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool afterSequence = false;
        for (int i = 0; i < single.GetArrayLength(); i++)
        {
            string itemPath = $"{path}.single[{i}]";
            var item = single[i];
            if (TokenizerJson.Optional(item, "Sequence") is not null)
            {
                afterSequence = true;
                continue;
            }
            var special = json.Required(item, "SpecialToken", itemPath);
            string name = json.String(json.Required(special, "id", $"{itemPath}.SpecialToken"), $"{itemPath}.SpecialToken.id");
            if (specials is not { } table || TokenizerJson.Optional(table, name) is not { } entry)
                throw json.Error($"{path}.special_tokens", $"has no entry for '{name}' used by {itemPath}");
            var ids = json.Array(entry, "ids", $"{path}.special_tokens.{name}");
            for (int k = 0; k < ids.GetArrayLength(); k++)
                (afterSequence ? suffix : prefix).Add(json.Int(ids[k], $"{path}.special_tokens.{name}.ids[{k}]"));
        }
        return new PostProcessor([.. prefix], [.. suffix]);
    }
}
