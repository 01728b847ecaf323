namespace MemServe.Tokenization;

/// <summary>
/// One entry of tokenizer.json "added_tokens": matched in the raw input before normalization and BPE.
/// <see cref="LStrip"/>/<see cref="RStrip"/> swallow whitespace to the left/right of a match;
/// <see cref="SingleWord"/> only matches when not inside a word; <see cref="Special"/> marks control
/// tokens (skippable when decoding).
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip, bool SingleWord, bool Normalized);

/// <summary>A span of the input: either plain text (<see cref="TokenId"/> is -1) or one added token.</summary>
internal readonly record struct TextSegment(int Start, int Length, int TokenId);
