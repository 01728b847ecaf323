using System.Text;
using MemServe.Tokenization;

namespace MemServe.Core.Tests.Tokenization;

/// <summary>Unicode normalization (expected values from Python's unicodedata) and its use by qwen3's NFC normalizer.</summary>
public class NormalizationTests
{
    [Theory]
    [InlineData("e\u0301", NormalizationForm.FormC, "\u00E9")]
    [InlineData("\u00E9", NormalizationForm.FormD, "e\u0301")]
    [InlineData("\u212B\u0323\u0307", NormalizationForm.FormC, "\u1EA0\u030A\u0307")]
    [InlineData("\u212B\u0323\u0307", NormalizationForm.FormD, "A\u0323\u030A\u0307")]
    [InlineData("\uFB01 \u2460", NormalizationForm.FormC, "\uFB01 \u2460")]
    [InlineData("\uFB01 \u2460", NormalizationForm.FormKC, "fi 1")]
    [InlineData("\u1100\u1161\u11A8", NormalizationForm.FormC, "\uAC01")]
    [InlineData("\uAC01", NormalizationForm.FormKD, "\u1100\u1161\u11A8")]
    [InlineData("\u0344", NormalizationForm.FormC, "\u0308\u0301")]
    [InlineData("plain ascii", NormalizationForm.FormKD, "plain ascii")]
    public void Normalizes_like_the_unicode_reference(string input, NormalizationForm form, string expected)
    {
        Assert.Equal(expected, UnicodeNormalization.Normalize(input, form));
    }

    [Fact]
    public void Qwen3_encodes_decomposed_text_like_precomposed_text()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        Assert.Equal(tok.Encode("caf\u00E9 r\u00E9sum\u00E9"), tok.Encode("cafe\u0301 re\u0301sume\u0301"));
    }

    [Fact]
    public void Astral_letters_match_letter_classes_as_one_code_point()
    {
        var regex = new CodePointRegex(@"\p{L}+");
        var matches = new List<(int Start, int Length)>();
        regex.Matches("\U0001D400\U0001D401x 1", matches); // 𝐀𝐁x: astral Lu letters then ASCII
        Assert.Equal([(0, 5)], matches);
    }

    [Fact]
    public void Optional_class_never_takes_half_a_surrogate_pair()
    {
        var regex = new CodePointRegex(@"[^\r\n\p{L}\p{N}]?\p{L}+|[^\s\p{L}\p{N}]+");
        var matches = new List<(int Start, int Length)>();
        regex.Matches("\U0001F600abc", matches); // 😀 is one symbol, taken by the optional class
        Assert.Equal([(0, 5)], matches);
    }

    [Fact]
    public void Qwen3_round_trips_astral_text()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        const string text = "\U0001D400\U0001D401c \U0001F600abc \U00020000\U0002A6D6";
        Assert.Equal(text, tok.Decode(tok.Encode(text)));
    }
}
