using System.Text;

namespace MemServe.Tokenization;

/// <summary>
/// Streaming decoder for one sequence. Each token's byte piece goes through a stateful UTF-8 decoder
/// that holds back an incomplete trailing character, so no call returns half a character or half a
/// surrogate pair; work per token is bounded by the token's length. The concatenated output plus
/// <see cref="Flush"/> equals <see cref="Tokenizer.Decode"/> of the same ids. Not thread-safe.
/// </summary>
internal sealed class IncrementalDetokenizer : IIncrementalDetokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly TokenDecoder _decoder;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[64];
    private bool _first = true;
    private int _stripLeft;

    /// <summary>Creates a detokenizer positioned at the start of a sequence.</summary>
    public IncrementalDetokenizer(Tokenizer tokenizer, TokenDecoder decoder, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _decoder = decoder;
        _skipSpecialTokens = skipSpecialTokens;
        _stripLeft = decoder.LeadingStripCount;
    }

    /// <inheritdoc/>
    public string Append(int tokenId)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecial(tokenId))
            return "";
        if (_decoder.Piece(tokenId, _first) is not { } piece)
            return "";
        _first = false;
        return Emit(piece, flush: false);
    }

    /// <inheritdoc/>
    public string Flush()
    {
        string rest = Emit([], flush: true);
        _utf8.Reset();
        _first = true;
        _stripLeft = _decoder.LeadingStripCount;
        return rest;
    }

    private string Emit(ReadOnlySpan<byte> bytes, bool flush)
    {
        int max = _utf8.GetCharCount(bytes, flush);
        if (max > _chars.Length)
            _chars = new char[Math.Max(max, _chars.Length * 2)];
        int count = _utf8.GetChars(bytes, _chars, flush);
        int start = 0;
        while (_stripLeft > 0 && start < count && _chars[start] == _decoder.LeadingStripChar)
        {
            start++;
            _stripLeft--;
        }
        if (start < count)
            _stripLeft = 0; // text has begun: nothing later is "leading"
        return count == start ? "" : new string(_chars, start, count - start);
    }
}
