using System.Text;
using MemServe.Constraints;

namespace MemServe.Core.Tests.Constraints;

/// <summary>The matcher's masks, CanEnd and MustEnd against <see cref="ReferenceRecognizer"/> on small vocabularies,
/// along random walks through each grammar.</summary>
public sealed class MatcherReferenceTests
{
    public static TheoryData<string> Grammars() =>
    [
        "root ::= \"a\" root | \"b\"",
        "root ::= [a-c]+ (\",\" [a-c]+)* \".\"?",
        "root ::= \"x\" [^\"\\\\]{0,3} \"y\" | \"é\"+ \"ü\" | [α-ω]{2,} # greek\n",
        "root ::= \"{\" pair? \"}\"\npair ::= key \":\" value\nkey ::= \"\\\"\" [a-zé]* \"\\\"\"\nvalue ::= [0-9]+ | \"[\" (value (\",\" value)*)? \"]\"",
        "root ::= ( \"ab\" | \"a\" \"b\" | [a] \"bc\" )* \"!\"",
        "root ::= . . \"\\u00e9\" [\\U0001F600-\\U0001F64F]",
        JsonSchemaGrammar.ToGbnf("""{"type":"object","properties":{"a":{"type":"integer"},"bé":{"enum":["x","y"]}},"required":["a"]}"""),
    ];

    [Theory]
    [MemberData(nameof(Grammars))]
    public void Masks_and_ends_match_the_reference_along_random_walks(string gbnf)
    {
        var vocabulary = SmallVocabulary(seed: gbnf.Length);
        var matcher = new ConstraintMatcher(OutputConstraint.FromGbnf(gbnf), vocabulary);
        var reference = new ReferenceRecognizer(gbnf);
        var random = new Random(11);
        var mask = new ulong[(vocabulary.Count + 63) / 64];
        int tokensAccepted = 0;
        for (int walk = 0; walk < 4; walk++)
        {
            matcher.Reset();
            var accepted = new List<byte>();
            for (int step = 0; step < 12; step++)
            {
                Assert.Equal(reference.IsSentence([.. accepted]), matcher.CanEnd);
                matcher.FillAllowed(mask);
                var allowed = new List<int>();
                for (int t = 0; t < vocabulary.Count; t++)
                {
                    var bytes = vocabulary.Bytes(t).ToArray();
                    bool expected = bytes.Length > 0 && reference.IsPrefix([.. accepted, .. bytes]);
                    bool fromMask = (mask[t >> 6] & (1UL << (t & 63))) != 0;
                    Assert.True(expected == fromMask, $"token {t} '{Encoding.UTF8.GetString(bytes)}' after '{Encoding.UTF8.GetString([.. accepted])}': expected {expected}");
                    Assert.Equal(expected, matcher.IsAllowed(t));
                    if (expected) allowed.Add(t);
                }
                bool mustEnd = matcher.CanEnd && allowed.Count == 0;
                Assert.Equal(mustEnd, matcher.MustEnd);
                if (allowed.Count == 0)
                    break;
                int pick = allowed[random.Next(allowed.Count)];
                matcher.Accept(pick);
                tokensAccepted++;
                accepted.AddRange(vocabulary.Bytes(pick).ToArray());
            }
        }
        Assert.True(tokensAccepted >= 4, $"the walks accepted only {tokensAccepted} tokens");
    }

    [Fact]
    public void MaskLogits_sets_exactly_the_disallowed_and_out_of_vocabulary_logits_to_minus_infinity()
    {
        var vocabulary = SmallVocabulary(seed: 3);
        var matcher = new ConstraintMatcher(OutputConstraint.FromGbnf("root ::= [a-c]+ \".\""), vocabulary);
        var logits = new float[vocabulary.Count + 70];
        Array.Fill(logits, 1f);
        matcher.MaskLogits(logits);
        for (int t = 0; t < logits.Length; t++)
            Assert.Equal(t < vocabulary.Count && matcher.IsAllowed(t), logits[t] == 1f);
        Assert.True(float.IsNegativeInfinity(logits[^1]));
    }

    [Fact]
    public void Accept_of_a_disallowed_token_throws_and_keeps_the_state()
    {
        var vocabulary = TokenVocabulary.FromBytes([.. new[] { "a", "b", "ab" }.Select(Encoding.UTF8.GetBytes)]);
        var matcher = new ConstraintMatcher(OutputConstraint.FromGbnf("root ::= \"ab\""), vocabulary);
        matcher.Accept(0);
        Assert.Throws<InvalidOperationException>(() => matcher.Accept(0));
        matcher.Accept(1);
        Assert.True(matcher.MustEnd);
    }

    [Fact]
    public void A_character_split_across_tokens_is_accepted_byte_by_byte()
    {
        byte[] e = Encoding.UTF8.GetBytes("é"); // C3 A9
        var vocabulary = TokenVocabulary.FromBytes([[e[0]], [e[1]], [(byte)'x'], [0xC3, 0xA8], [0xFF]]);
        var matcher = new ConstraintMatcher(OutputConstraint.FromGbnf("root ::= \"é\" \"x\""), vocabulary);
        Assert.True(matcher.IsAllowed(0));
        Assert.False(matcher.IsAllowed(1));
        Assert.False(matcher.IsAllowed(3));
        Assert.False(matcher.IsAllowed(4));
        matcher.Accept(0);
        Assert.True(matcher.IsAllowed(1));
        Assert.False(matcher.IsAllowed(2));
        matcher.Accept(1);
        matcher.Accept(2);
        Assert.True(matcher.MustEnd);
    }

    [Fact]
    public void Tokens_without_bytes_are_never_allowed()
    {
        var vocabulary = TokenVocabulary.FromBytes([[(byte)'a'], null, []]);
        var matcher = new ConstraintMatcher(OutputConstraint.FromGbnf("root ::= \"a\"*"), vocabulary);
        Assert.True(matcher.IsAllowed(0));
        Assert.False(matcher.IsAllowed(1));
        Assert.False(matcher.IsAllowed(2));
        Assert.False(matcher.IsAllowed(99));
    }

    /// <summary>~400 tokens: grammar-relevant pieces, their concatenations and lone bytes of multi-byte characters.</summary>
    internal static TokenVocabulary SmallVocabulary(int seed)
    {
        string[] pieces = ["a", "b", "c", "x", "y", "z", "é", "ü", "α", "β", "ω", "😀", "0", "1", "9", "{", "}", "[", "]",
            ",", ":", ".", "!", "\"", "\\", " ", "\n", "-", "true", "ab", "bc", "\"a\"", "\"b\\u00e9\"", "é"];
        var random = new Random(seed);
        var tokens = new List<byte[]?> { null };
        foreach (string piece in pieces)
            tokens.Add(Encoding.UTF8.GetBytes(piece));
        foreach (string multi in new[] { "é", "ü", "α", "😀" })
        {
            byte[] bytes = Encoding.UTF8.GetBytes(multi);
            for (int i = 0; i < bytes.Length; i++)
            {
                tokens.Add([bytes[i]]);
                tokens.Add(bytes[..(i + 1)]);
                tokens.Add(bytes[i..]);
            }
        }
        for (int i = 0; i < 300; i++)
        {
            var sb = new List<byte>();
            int n = 2 + random.Next(3);
            for (int k = 0; k < n; k++)
                sb.AddRange(Encoding.UTF8.GetBytes(pieces[random.Next(pieces.Length)]));
            if (random.Next(4) == 0)
                sb.RemoveAt(sb.Count - 1); // may cut a character
            if (sb.Count > 0)
                tokens.Add([.. sb]);
        }
        return TokenVocabulary.FromBytes(tokens);
    }
}
