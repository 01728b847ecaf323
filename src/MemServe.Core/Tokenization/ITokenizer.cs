namespace MemServe.Tokenization;

/// <summary>
/// Text ↔ token ids for one model. The engine depends on this seam; <c>Tokenizer</c> is the
/// implementation that reads Hugging Face <c>tokenizer.json</c>. Implementations are immutable after
/// construction and thread-safe.
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce (highest id + 1, added tokens included).</summary>
    int VocabSize { get; }

    /// <summary>The beginning-of-sequence token, when the tokenizer defines one.</summary>
    int? BosTokenId { get; }

    /// <summary>The end-of-sequence token named by the tokenizer config, when it defines one.</summary>
    int? EosTokenId { get; }

    /// <summary>Encodes <paramref name="text"/>; with <paramref name="addSpecialTokens"/> the
    /// post-processor's tokens (e.g. BOS) are added as Hugging Face does.</summary>
    int[] Encode(string text, bool addSpecialTokens = false);

    /// <summary>Decodes ids to text; <paramref name="skipSpecialTokens"/> drops special tokens.</summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false);

    /// <summary>True when <paramref name="id"/> is a special (control) token.</summary>
    bool IsSpecial(int id);

    /// <summary>Creates a streaming decoder for one sequence.</summary>
    IIncrementalDetokenizer CreateDetokenizer(bool skipSpecialTokens = true);

    /// <summary>
    /// The exact bytes token <paramref name="id"/> adds to the output in the middle of a sequence (byte-level and
    /// &lt;0xNN&gt; byte-fallback tokens give raw bytes, possibly part of a UTF-8 character); null for special
    /// tokens and unknown ids. The caller owns the returned array. The default decodes the token alone, which is
    /// exact only for tokens that are whole UTF-8 text; <c>Tokenizer</c> overrides it.
    /// </summary>
    byte[]? TokenBytes(int id) =>
        (uint)id >= (uint)VocabSize || IsSpecial(id) ? null : System.Text.Encoding.UTF8.GetBytes(Decode([id]));
}

/// <summary>
/// Streaming decoder for one sequence: feed ids one at a time, get text as soon as it is complete.
/// Never returns half a UTF-8 character; the concatenation of all returned strings (plus
/// <see cref="Flush"/>) equals decoding all ids at once. Not thread-safe.
/// </summary>
public interface IIncrementalDetokenizer
{
    /// <summary>Adds one token; returns the text that became complete (possibly empty).</summary>
    string Append(int tokenId);

    /// <summary>Returns whatever is still held back (incomplete bytes become U+FFFD) and resets.</summary>
    string Flush();
}
