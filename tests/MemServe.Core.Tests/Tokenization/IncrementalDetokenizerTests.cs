using System.Text;
using MemServe.Tokenization;

namespace MemServe.Core.Tests.Tokenization;

/// <summary>Streaming decode equals full decode and never emits part of a character.</summary>
public class IncrementalDetokenizerTests
{
    private const string MultiByteText = "日本語 🤖🚀 👩\u200d💻 naïve — 中文 𝐀𝐁𝐂 ok";

    private static List<string> Stream(Tokenizer tok, int[] ids, bool skipSpecialTokens)
    {
        var detok = tok.CreateDetokenizer(skipSpecialTokens);
        var chunks = new List<string>();
        foreach (int id in ids)
            chunks.Add(detok.Append(id));
        chunks.Add(detok.Flush());
        return chunks;
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && (i + 1 == s.Length || !char.IsLowSurrogate(s[++i])))
                return true;
            if (char.IsLowSurrogate(s[i]) && (i == 0 || !char.IsHighSurrogate(s[i - 1])))
                return true;
        }
        return false;
    }

    [Theory]
    [InlineData(TokenizerFixtures.Qwen3)]
    [InlineData(TokenizerFixtures.SentencePiece)]
    public void Multi_byte_text_streams_whole_characters_only(string name)
    {
        var tok = TokenizerFixtures.Get(name);
        var chunks = Stream(tok, tok.Encode(MultiByteText), skipSpecialTokens: false);
        Assert.All(chunks, c => Assert.DoesNotContain('\uFFFD', c));
        Assert.All(chunks, c => Assert.False(HasLoneSurrogate(c), $"chunk '{c}' splits a surrogate pair"));
        Assert.Equal(MultiByteText, string.Concat(chunks));
    }

    [Fact]
    public void Byte_fallback_tokens_are_held_until_the_character_completes()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.SentencePiece);
        var detok = tok.CreateDetokenizer();
        int[] robot = [(int)tok.TokenToId("<0xF0>")!, (int)tok.TokenToId("<0x9F>")!, (int)tok.TokenToId("<0xA4>")!, (int)tok.TokenToId("<0x96>")!];
        Assert.Equal("", detok.Append(robot[0]));
        Assert.Equal("", detok.Append(robot[1]));
        Assert.Equal("", detok.Append(robot[2]));
        Assert.Equal("🤖", detok.Append(robot[3]));
    }

    [Fact]
    public void Flush_turns_an_incomplete_character_into_a_replacement_char()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.SentencePiece);
        var detok = tok.CreateDetokenizer();
        Assert.Equal("", detok.Append((int)tok.TokenToId("<0xE6>")!));
        Assert.Equal("\uFFFD", detok.Flush());
    }

    [Fact]
    public void SentencePiece_strip_applies_only_at_sequence_start()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.SentencePiece);
        var detok = tok.CreateDetokenizer();
        int hello = (int)tok.TokenToId("▁Hello")!;
        int world = (int)tok.TokenToId("▁world")!;
        Assert.Equal("", detok.Append(1)); // <s> skipped
        Assert.Equal("Hello", detok.Append(hello));
        Assert.Equal(" world", detok.Append(world));
    }

    [Fact]
    public void Skipping_special_tokens_drops_them_from_the_stream()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        var ids = tok.Encode("<|im_start|>user\nhi<|im_end|>");
        Assert.Equal("user\nhi", string.Concat(Stream(tok, ids, skipSpecialTokens: true)));
    }

    [Theory]
    [InlineData(TokenizerFixtures.Qwen3, false)]
    [InlineData(TokenizerFixtures.Qwen3, true)]
    [InlineData(TokenizerFixtures.SentencePiece, false)]
    [InlineData(TokenizerFixtures.SentencePiece, true)]
    public void Random_id_sequences_stream_to_the_full_decode(string name, bool skipSpecialTokens)
    {
        var tok = TokenizerFixtures.Get(name);
        var random = new Random(1234);
        int[] textIds = tok.Encode(MultiByteText);
        for (int round = 0; round < 300; round++)
        {
            var ids = new int[random.Next(1, 40)];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = random.Next(4) switch
                {
                    0 => random.Next(tok.VocabSize),
                    1 => random.Next(259), // byte tokens: Qwen's single bytes, SentencePiece's <0xNN>
                    2 => textIds[random.Next(textIds.Length)],
                    _ => tok.VocabSize - 1 - random.Next(30), // added / special tokens at the top
                };
            }
            var chunks = Stream(tok, ids, skipSpecialTokens);
            Assert.Equal(tok.Decode(ids, skipSpecialTokens), string.Concat(chunks));
            Assert.All(chunks, c => Assert.False(HasLoneSurrogate(c)));
        }
    }
}
