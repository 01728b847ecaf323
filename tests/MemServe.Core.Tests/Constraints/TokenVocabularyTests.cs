using System.Text;
using MemServe.Constraints;
using MemServe.Core.Tests.Tokenization;

namespace MemServe.Core.Tests.Constraints;

/// <summary>Token bytes from the real tokenizers: concatenating the bytes of an encoding gives the text back.</summary>
public sealed class TokenVocabularyTests
{
    [Theory]
    [InlineData("{\"name\": \"Zoë\", \"emoji\": \"🚀🧵\", \"cjk\": \"東京\"}")]
    [InlineData("  indented\n\tline with\ttabs ")]
    public void Qwen3_token_bytes_concatenate_to_the_text(string text)
    {
        var tokenizer = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        var vocabulary = SchemaGenerationTests.Qwen;
        var bytes = new List<byte>();
        foreach (int id in tokenizer.Encode(text))
            bytes.AddRange(vocabulary.Bytes(id).ToArray());
        Assert.Equal(Encoding.UTF8.GetBytes(text), bytes.ToArray());
        Assert.Equal(tokenizer.VocabSize, vocabulary.Count);
    }

    [Fact]
    public void Sentencepiece_byte_fallback_and_metaspace_tokens_give_raw_bytes()
    {
        var tokenizer = TokenizerFixtures.Get(TokenizerFixtures.SentencePiece);
        var vocabulary = TokenVocabulary.FromTokenizer(tokenizer);
        const string text = "Hello world 🧵 東";
        var bytes = new List<byte>();
        foreach (int id in tokenizer.Encode(text))
            bytes.AddRange(vocabulary.Bytes(id).ToArray());
        Assert.Equal(text, Encoding.UTF8.GetString([.. bytes]).TrimStart(' '));
        int byteToken = tokenizer.TokenToId("<0xF0>")!.Value;
        Assert.Equal(new byte[] { 0xF0 }, vocabulary.Bytes(byteToken).ToArray());
        int metaspace = tokenizer.TokenToId("▁the")!.Value;
        Assert.Equal(" the", Encoding.UTF8.GetString(vocabulary.Bytes(metaspace)));
    }

    [Fact]
    public void Special_tokens_have_no_bytes()
    {
        var tokenizer = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        Assert.True(tokenizer.EosTokenId is not null);
        Assert.True(SchemaGenerationTests.Qwen.Bytes(tokenizer.EosTokenId!.Value).IsEmpty);
        Assert.True(SchemaGenerationTests.Qwen.Bytes(tokenizer.VocabSize + 5).IsEmpty);
    }
}
