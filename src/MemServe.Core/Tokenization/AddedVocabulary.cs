using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// The added tokens of a tokenizer and the leftmost-longest matcher that finds them in raw text.
/// Immutable and thread-safe.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar = [];

    /// <summary>All added tokens, by id.</summary>
    public IReadOnlyDictionary<int, AddedToken> ById { get; }

    /// <summary>Added token content → id.</summary>
    public IReadOnlyDictionary<string, int> ByContent { get; }

    private AddedVocabulary(List<AddedToken> tokens)
    {
        var byId = new Dictionary<int, AddedToken>();
        var byContent = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new Dictionary<char, List<AddedToken>>();
        foreach (var token in tokens)
        {
            byId[token.Id] = token;
            byContent[token.Content] = token.Id;
            if (!groups.TryGetValue(token.Content[0], out var list))
                groups[token.Content[0]] = list = [];
            list.Add(token);
        }
        foreach (var (first, list) in groups)
        {
            list.Sort((a, b) => b.Content.Length.CompareTo(a.Content.Length));
            _byFirstChar[first] = [.. list];
        }
        ById = byId;
        ByContent = byContent;
    }

    /// <summary>Reads the optional "added_tokens" array.</summary>
    public static AddedVocabulary Parse(JsonElement? array, TokenizerJson json)
    {
        var tokens = new List<AddedToken>();
        if (array is { } items)
        {
            if (items.ValueKind != JsonValueKind.Array)
                throw json.Error("added_tokens", "must be an array");
            int i = 0;
            foreach (var item in items.EnumerateArray())
            {
                string path = $"added_tokens[{i++}]";
                string content = json.String(json.Required(item, "content", path), $"{path}.content");
                if (content.Length == 0)
                    throw json.Error($"{path}.content", "must not be empty");
                tokens.Add(new AddedToken(
                    json.Int(json.Required(item, "id", path), $"{path}.id"), content,
                    json.Bool(item, "special", path, false), json.Bool(item, "lstrip", path, false),
                    json.Bool(item, "rstrip", path, false), json.Bool(item, "single_word", path, false),
                    json.Bool(item, "normalized", path, true)));
            }
        }
        return new AddedVocabulary(tokens);
    }

    /// <summary>
    /// Cuts <paramref name="text"/> into plain-text segments and added-token matches (leftmost match
    /// first, longest at a position), appending them in order to <paramref name="segments"/>.
    /// </summary>
    public void Split(string text, List<TextSegment> segments)
    {
        int plainStart = 0;
        int i = 0;
        while (i < text.Length)
        {
            if (!_byFirstChar.TryGetValue(text[i], out var candidates) || Match(text, i, candidates) is not { } token)
            {
                i++;
                continue;
            }
            int start = i;
            int end = i + token.Content.Length;
            if (token.LStrip)
            {
                while (start > plainStart && char.IsWhiteSpace(text[start - 1]))
                    start--;
            }
            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                    end++;
            }
            if (start > plainStart)
                segments.Add(new TextSegment(plainStart, start - plainStart, -1));
            segments.Add(new TextSegment(start, end - start, token.Id));
            plainStart = i = end;
        }
        if (plainStart < text.Length)
            segments.Add(new TextSegment(plainStart, text.Length - plainStart, -1));
    }

    private static AddedToken? Match(string text, int at, AddedToken[] candidates)
    {
        var rest = text.AsSpan(at);
        foreach (var token in candidates)
        {
            if (!rest.StartsWith(token.Content, StringComparison.Ordinal))
                continue;
            int end = at + token.Content.Length;
            if (token.SingleWord && ((at > 0 && IsWordChar(text[at - 1])) || (end < text.Length && IsWordChar(text[end]))))
                continue;
            return token;
        }
        return null;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
