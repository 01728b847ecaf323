namespace MemServe.Core.Tests.Tokenization;

/// <summary>Every case of each expected.json (produced by Hugging Face tokenizers) must match exactly.</summary>
public class ExpectedCaseTests
{
    public static TheoryData<string, int> Cases => TokenizerFixtures.AllCases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_without_special_tokens_matches_reference_ids(string tokenizer, int index)
    {
        var expected = TokenizerFixtures.Cases(tokenizer)[index];
        Assert.Equal(expected.Ids, TokenizerFixtures.Get(tokenizer).Encode(expected.Text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_with_special_tokens_matches_reference_ids(string tokenizer, int index)
    {
        var expected = TokenizerFixtures.Cases(tokenizer)[index];
        Assert.Equal(expected.IdsWithSpecialTokens, TokenizerFixtures.Get(tokenizer).Encode(expected.Text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IdToToken_of_reference_ids_matches_reference_tokens(string tokenizer, int index)
    {
        var expected = TokenizerFixtures.Cases(tokenizer)[index];
        var tok = TokenizerFixtures.Get(tokenizer);
        Assert.Equal(expected.Tokens, expected.Ids.Select(id => tok.IdToToken(id)).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_of_reference_ids_matches_reference_text(string tokenizer, int index)
    {
        var expected = TokenizerFixtures.Cases(tokenizer)[index];
        Assert.Equal(expected.Decoded, TokenizerFixtures.Get(tokenizer).Decode(expected.Ids));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Incremental_detokenizer_matches_full_decode(string tokenizer, int index)
    {
        var expected = TokenizerFixtures.Cases(tokenizer)[index];
        var tok = TokenizerFixtures.Get(tokenizer);
        var detok = tok.CreateDetokenizer(skipSpecialTokens: false);
        var text = new System.Text.StringBuilder();
        foreach (int id in expected.Ids)
            text.Append(detok.Append(id));
        text.Append(detok.Flush());
        Assert.Equal(expected.Decoded, text.ToString());
    }
}
