namespace MemServe.Core.Tests.Tokenization;

/// <summary>Pins the BPE merge loop on a hand-written byte-level tokenizer.</summary>
public class BpeMergeTests
{
    [Fact]
    public void Merges_apply_by_rank_not_by_longest_match()
    {
        // "b c" has rank 0, "a b" rank 1: greedy longest-match would give ab + c.
        Assert.Equal([0, 6], TinyTokenizers.ByteLevel().Encode("abc"));
    }

    [Fact]
    public void Equal_ranks_merge_leftmost_first()
    {
        Assert.Equal([7, 0], TinyTokenizers.ByteLevel().Encode("aaa"));
    }

    [Fact]
    public void Merged_symbols_merge_again_by_rank()
    {
        // b c → bc, then bc d → bcd; "abcd" is in the vocab but is not reachable through merges.
        Assert.Equal([0, 11], TinyTokenizers.ByteLevel().Encode("abcd"));
    }

    [Fact]
    public void Ignore_merges_takes_a_whole_word_found_in_the_vocab()
    {
        Assert.Equal([8], TinyTokenizers.ByteLevel(ignoreMerges: true).Encode("abcd"));
    }

    [Fact]
    public void Merges_as_arrays_equal_merges_as_strings()
    {
        Assert.Equal(TinyTokenizers.ByteLevel().Encode("abc aaa abcd"), TinyTokenizers.ByteLevel(mergesAsArrays: true).Encode("abc aaa abcd"));
    }

    [Fact]
    public void Byte_level_space_becomes_G_dot_and_merges()
    {
        var tok = TinyTokenizers.ByteLevel();
        Assert.Equal([0, 9], tok.Encode("a a"));
        Assert.Equal("a a", tok.Decode([0, 9]));
    }

    [Fact]
    public void Template_post_processor_appends_its_special_token()
    {
        var tok = TinyTokenizers.ByteLevel();
        Assert.Equal([0, 6, 12], tok.Encode("abc", addSpecialTokens: true));
        Assert.Null(tok.BosTokenId);
        Assert.Equal(12, tok.EosTokenId);
    }

    [Fact]
    public void Long_word_encodes_without_blowup()
    {
        var tok = TinyTokenizers.ByteLevel();
        string word = new('a', 200_001);
        var ids = tok.Encode(word);
        Assert.Equal(100_001, ids.Length);
        Assert.Equal(word, tok.Decode(ids));
    }

    [Fact]
    public void Metaspace_prepends_replacement_and_fuses_unknown_chars()
    {
        var tok = TinyTokenizers.Metaspace();
        // "ab" → ▁ab; " zz" → ▁ + fused <unk> (z, z unknown).
        Assert.Equal([5, 0, 6], tok.Encode("ab zz"));
    }

    [Fact]
    public void Metaspace_decoder_drops_the_prefix_of_the_first_token_only()
    {
        var tok = TinyTokenizers.Metaspace();
        Assert.Equal("ab a", tok.Decode([5, 3]));
    }

    [Fact]
    public void Metaspace_first_scheme_prepends_only_at_input_start()
    {
        var tok = TinyTokenizers.Metaspace("first");
        Assert.Equal([3, 7, 1], tok.Encode("a<s>a"));
    }
}
