using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MemServe.Tokenization;

/// <summary>
/// A Hugging Face tokenizer read from <c>tokenizer.json</c> (+ optional <c>tokenizer_config.json</c>):
/// BPE (byte-level GPT-2/Llama-3/Qwen style or SentencePiece style with byte fallback), its normalizer,
/// pre-tokenizer, added tokens, post-processor and decoder. Unsupported component kinds and malformed
/// files throw <see cref="TokenizerFormatException"/> naming the file and field. Immutable after
/// loading and safe to use from any number of threads.
/// </summary>
public sealed class Tokenizer : ITokenizer
{
    private readonly BpeModel _model;
    private readonly AddedVocabulary _added;
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly PostProcessor _post;
    private readonly TokenDecoder _decoder;
    private readonly string?[] _tokens;
    private readonly bool[] _special;

    private Tokenizer(TokenizerParts parts)
    {
        (_model, _added, _normalizer, _preTokenizer, _post, _tokens) =
            (parts.Model, parts.Added, parts.Normalizer, parts.PreTokenizer, parts.Post, parts.Tokens);
        _decoder = parts.Decoder;
        _special = new bool[_tokens.Length];
        foreach (var token in _added.ById.Values)
            _special[token.Id] = token.Special;
        BosTokenId = parts.BosTokenId;
        EosTokenId = parts.EosTokenId;
    }

    /// <inheritdoc/>
    public int VocabSize => _tokens.Length;

    /// <inheritdoc/>
    public int? BosTokenId { get; }

    /// <inheritdoc/>
    public int? EosTokenId { get; }

    /// <summary>
    /// Loads <c>directory/tokenizer.json</c> and, when present, <c>directory/tokenizer_config.json</c>
    /// (which supplies bos_token/eos_token). A missing or malformed file throws
    /// <see cref="TokenizerFormatException"/> naming it.
    /// </summary>
    public static Tokenizer Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string path = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(path))
            throw new TokenizerFormatException($"{path}: file not found");
        string configPath = Path.Combine(directory, "tokenizer_config.json");
        string? config = File.Exists(configPath) ? File.ReadAllText(configPath) : null;
        return Build(File.ReadAllBytes(path), config, path, configPath);
    }

    /// <summary>
    /// Builds a tokenizer from the text of tokenizer.json (and optionally tokenizer_config.json);
    /// <paramref name="sourceName"/> is used in error messages.
    /// </summary>
    public static Tokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null, string sourceName = "tokenizer.json")
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        return Build(Encoding.UTF8.GetBytes(tokenizerJson), tokenizerConfigJson, sourceName, "tokenizer_config.json");
    }

    private static Tokenizer Build(byte[] tokenizerJson, string? configJson, string source, string configSource) =>
        new(TokenizerParts.Read(tokenizerJson, configJson, new TokenizerJson(source), new TokenizerJson(configSource)));

    /// <inheritdoc/>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (_added.ById.Count == 0)
        {
            EncodeText(text, true, ids);
        }
        else
        {
            var segments = new List<TextSegment>();
            _added.Split(text, segments);
            foreach (var segment in segments)
            {
                if (segment.TokenId >= 0)
                    ids.Add(segment.TokenId);
                else
                    EncodeText(text.Substring(segment.Start, segment.Length), segment.Start == 0, ids);
            }
        }
        return addSpecialTokens ? _post.Apply(ids) : [.. ids];
    }

    private void EncodeText(string text, bool atStart, List<int> ids)
    {
        if (_normalizer is not null)
            text = _normalizer.Normalize(text);
        if (text.Length == 0)
            return;
        if (_preTokenizer is null)
        {
            _model.Encode(text, ids);
            return;
        }
        foreach (string word in _preTokenizer.Run([text], atStart))
            _model.Encode(word, ids);
    }

    /// <inheritdoc/>
    /// <remarks>Ids outside the vocabulary are ignored, as Hugging Face does.</remarks>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, ids.Length * 4));
        int length = 0;
        bool first = true;
        foreach (int id in ids)
        {
            if (skipSpecialTokens && IsSpecial(id))
                continue;
            if (_decoder.Piece(id, first) is not { } piece)
                continue;
            first = false;
            if (length + piece.Length > buffer.Length)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + piece.Length));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }
            piece.CopyTo(buffer, length);
            length += piece.Length;
        }
        string text = Encoding.UTF8.GetString(buffer, 0, length);
        ArrayPool<byte>.Shared.Return(buffer);
        return _decoder.StripLeading(text);
    }

    /// <inheritdoc/>
    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <summary>The token string of <paramref name="id"/> (added tokens included), or null if unknown.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    /// <summary>The id of <paramref name="token"/> (added tokens first, then the model vocab), or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_added.ByContent.TryGetValue(token, out int id) || _model.Vocab.TryGetValue(token, out id))
            return id;
        return null;
    }

    /// <inheritdoc/>
    public byte[]? TokenBytes(int id) => IsSpecial(id) ? null : _decoder.Piece(id, first: false)?.ToArray();

    /// <inheritdoc/>
    public IIncrementalDetokenizer CreateDetokenizer(bool skipSpecialTokens = true) =>
        new IncrementalDetokenizer(this, _decoder, skipSpecialTokens);
}
