using MemServe.Tokenization;

namespace MemServe.Core.Tests.Tokenization;

/// <summary>Split pre-tokenizer behaviors on "a-b--c" with delimiter "-", as Hugging Face defines them.</summary>
public class SplitBehaviorTests
{
    private static string[] Split(SplitBehavior behavior, bool invert = false)
    {
        var matches = new List<(int Start, int Length)>();
        new CodePointRegex("-").Matches("a-b--c", matches);
        var output = new List<string>();
        PieceSplitter.Split("a-b--c", matches, behavior, invert, output);
        return [.. output];
    }

    [Fact]
    public void Removed_drops_delimiters() => Assert.Equal(["a", "b", "c"], Split(SplitBehavior.Removed));

    [Fact]
    public void Isolated_keeps_each_delimiter_alone() => Assert.Equal(["a", "-", "b", "-", "-", "c"], Split(SplitBehavior.Isolated));

    [Fact]
    public void MergedWithPrevious_appends_a_delimiter_to_the_piece_before() =>
        Assert.Equal(["a-", "b-", "-", "c"], Split(SplitBehavior.MergedWithPrevious));

    [Fact]
    public void MergedWithNext_prepends_a_delimiter_to_the_piece_after() =>
        Assert.Equal(["a", "-b", "-", "-c"], Split(SplitBehavior.MergedWithNext));

    [Fact]
    public void Contiguous_joins_runs_of_delimiters() => Assert.Equal(["a", "-", "b", "--", "c"], Split(SplitBehavior.Contiguous));

    [Fact]
    public void Invert_makes_the_gaps_the_delimiters() => Assert.Equal(["-", "-", "-"], Split(SplitBehavior.Removed, invert: true));

    [Fact]
    public void Encoding_from_many_threads_matches_sequential_encoding()
    {
        var tok = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        string[] texts = [.. Enumerable.Range(0, 64).Select(i => $"thread test {i} naïve 日本語 🤖 {new string('x', i)}")];
        int[][] expected = [.. texts.Select(t => tok.Encode(t))];
        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => actual[i] = tok.Encode(texts[i]));
        Assert.Equal(expected, actual);
    }
}
