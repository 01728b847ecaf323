namespace MemServe.Core.Tests.Tokenization;

/// <summary>Added tokens are matched in the raw text before normalization and BPE.</summary>
public class AddedTokenTests
{
    [Fact]
    public void Qwen3_chat_markers_inside_text_become_their_special_ids()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        var ids = tok.Encode("<|im_start|>user\nhi<|im_end|>");
        Assert.Equal(151644, ids[0]);
        Assert.Equal(151645, ids[^1]);
        Assert.True(tok.IsSpecial(ids[0]));
        Assert.False(tok.IsSpecial(ids[1]));
    }

    [Fact]
    public void Qwen3_decode_can_skip_special_tokens()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        var ids = tok.Encode("<|im_start|>user\nhi<|im_end|>");
        Assert.Equal("user\nhi", tok.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Qwen3_bos_and_eos_come_from_tokenizer_config()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        Assert.Null(tok.BosTokenId);
        Assert.Equal(151645, tok.EosTokenId);
        Assert.Equal(151643 + 26, tok.VocabSize);
    }

    [Fact]
    public void SentencePiece_bos_and_eos_come_from_tokenizer_config()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.SentencePiece);
        Assert.Equal(1, tok.BosTokenId);
        Assert.Equal(2, tok.EosTokenId);
    }

    [Fact]
    public void Longest_added_token_wins_at_a_position()
    {
        Assert.Equal([14, 0], TinyTokenizers.ByteLevel().Encode("<|end|>!a"));
    }

    [Fact]
    public void Lstrip_and_rstrip_swallow_surrounding_whitespace()
    {
        Assert.Equal([0, 13, 1], TinyTokenizers.ByteLevel().Encode("a <x> b"));
    }

    [Fact]
    public void Single_word_token_does_not_match_inside_a_word()
    {
        var tok = TinyTokenizers.ByteLevel();
        Assert.Equal([15], tok.Encode("dd"));
        Assert.Equal([0, 3, 3], tok.Encode("add"));
    }

    [Fact]
    public void TokenToId_and_IdToToken_cover_added_and_model_tokens()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        Assert.Equal(151644, tok.TokenToId("<|im_start|>"));
        Assert.Equal("<|im_start|>", tok.IdToToken(151644));
        Assert.Equal(9707, tok.TokenToId("Hello"));
        Assert.Null(tok.TokenToId("definitely not a token"));
        Assert.Null(tok.IdToToken(tok.VocabSize));
    }
}
