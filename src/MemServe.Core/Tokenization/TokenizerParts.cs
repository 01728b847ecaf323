using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// The components read from tokenizer.json and tokenizer_config.json, before they become a
/// <see cref="Tokenizer"/>. Reading is the only place that knows the JSON layout.
/// </summary>
internal sealed record TokenizerParts(
    BpeModel Model,
    AddedVocabulary Added,
    TextNormalizer? Normalizer,
    PreTokenizer? PreTokenizer,
    PostProcessor Post,
    TokenDecoder Decoder,
    string?[] Tokens,
    int? BosTokenId,
    int? EosTokenId)
{
    /// <summary>Parses both files; any problem throws <see cref="TokenizerFormatException"/>.</summary>
    public static TokenizerParts Read(ReadOnlyMemory<byte> tokenizerJson, string? configJson, TokenizerJson json, TokenizerJson configFile)
    {
        using var document = ParseDocument(tokenizerJson, json.Source);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{json.Source}: the root must be a JSON object");

        var model = BpeModel.Parse(json.Required(root, "model", "(root)"), json);
        var added = AddedVocabulary.Parse(TokenizerJson.Optional(root, "added_tokens"), json);
        var normalizer = TokenizerJson.Optional(root, "normalizer") is { } n ? TextNormalizer.Parse(n, json, "normalizer") : null;
        var preTokenizer = TokenizerJson.Optional(root, "pre_tokenizer") is { } p ? PreTokenizer.Parse(p, json, "pre_tokenizer") : null;
        var post = TokenizerJson.Optional(root, "post_processor") is { } q ? PostProcessor.Parse(q, json, "post_processor") : PostProcessor.None;

        int size = 0;
        foreach (int id in model.Vocab.Values)
            size = Math.Max(size, id + 1);
        foreach (int id in added.ById.Keys)
            size = Math.Max(size, id + 1);
        var tokens = new string?[size];
        foreach (var (token, id) in model.Vocab)
            tokens[id] = token;
        foreach (var (id, token) in added.ById)
            tokens[id] = token.Content;

        var decoder = TokenDecoder.Create(TokenizerJson.Optional(root, "decoder"), tokens, json);

        int? bos = post.Prefix.Length > 0 ? post.Prefix[0] : null;
        int? eos = post.Suffix.Length > 0 ? post.Suffix[^1] : null;
        if (configJson is not null)
        {
            using var config = ParseDocument(System.Text.Encoding.UTF8.GetBytes(configJson), configFile.Source);
            bos = ConfigToken(config.RootElement, "bos_token", model, added, configFile) ?? bos;
            eos = ConfigToken(config.RootElement, "eos_token", model, added, configFile) ?? eos;
        }
        return new TokenizerParts(model, added, normalizer, preTokenizer, post, decoder, tokens, bos, eos);
    }

    private static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, string source)
    {
        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new TokenizerFormatException($"{source}: malformed JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads bos_token/eos_token given as a string or as an object with "content".</summary>
    private static int? ConfigToken(JsonElement root, string name, BpeModel model, AddedVocabulary added, TokenizerJson config)
    {
        if (TokenizerJson.Optional(root, name) is not { } value)
            return null;
        string content = value.ValueKind == JsonValueKind.Object
            ? config.String(config.Required(value, "content", name), $"{name}.content")
            : config.String(value, name);
        if (added.ByContent.TryGetValue(content, out int id) || model.Vocab.TryGetValue(content, out id))
            return id;
        throw config.Error(name, $"names token '{content}', which is not in the vocabulary");
    }
}
