using MemServe.Tokenization;

namespace MemServe.Constraints;

/// <summary>
/// The byte string of every token id of one tokenizer, plus a byte trie over them that matchers walk to build
/// token masks. Special tokens (and tokens that decode to nothing) have no bytes and are never allowed by a
/// constraint. Build once per engine; immutable and thread-safe.
/// </summary>
public sealed class TokenVocabulary
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets; // (Count + 1) start of each token's bytes in _bytes

    private TokenVocabulary(byte[]?[] tokens)
    {
        Count = tokens.Length;
        _offsets = new int[Count + 1];
        int total = 0;
        for (int t = 0; t < Count; t++)
        {
            _offsets[t] = total;
            total += tokens[t]?.Length ?? 0;
        }
        _offsets[Count] = total;
        _bytes = new byte[total];
        for (int t = 0; t < Count; t++)
            tokens[t]?.CopyTo(_bytes, _offsets[t]);
        Trie = new VocabularyTrie(this);
    }

    /// <summary>Number of token ids (the tokenizer's vocabulary size); ids at or above it are never allowed.</summary>
    public int Count { get; }

    internal VocabularyTrie Trie { get; }

    /// <summary>Reads every token's bytes from <paramref name="tokenizer"/> (<see cref="ITokenizer.TokenBytes"/>).</summary>
    public static TokenVocabulary FromTokenizer(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var tokens = new byte[]?[tokenizer.VocabSize];
        for (int t = 0; t < tokens.Length; t++)
            tokens[t] = tokenizer.TokenBytes(t);
        return new TokenVocabulary(tokens);
    }

    /// <summary>A vocabulary from explicit byte strings (null or empty: a token without bytes); for tests and tools.</summary>
    public static TokenVocabulary FromBytes(IReadOnlyList<byte[]?> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var copy = new byte[]?[tokens.Count];
        for (int t = 0; t < copy.Length; t++)
            copy[t] = tokens[t];
        return new TokenVocabulary(copy);
    }

    /// <summary>The bytes of <paramref name="tokenId"/>; empty for special tokens and ids outside the vocabulary.</summary>
    public ReadOnlySpan<byte> Bytes(int tokenId) =>
        (uint)tokenId < (uint)Count ? _bytes.AsSpan(_offsets[tokenId], _offsets[tokenId + 1] - _offsets[tokenId]) : default;
}
