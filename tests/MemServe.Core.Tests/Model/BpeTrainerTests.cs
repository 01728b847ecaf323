using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class BpeTrainerTests
{
    [Fact]
    public void Most_frequent_pair_is_merged_first()
    {
        BpeModel model = BpeTrainer.Train("low low low lower lowest", maxMerges: 1);

        Assert.Single(model.Merges);
        // "Ġlow" appears 4 times (the first "low" has no leading space), so pairs inside "low" win.
        Assert.Equal(("l", "o"), model.Merges[0]);
        Assert.Equal("lo", model.Vocab[256]);
    }

    [Fact]
    public void Merges_build_whole_words_and_stop_below_min_count()
    {
        BpeModel model = BpeTrainer.Train("cache cache cache memory", maxMerges: 100, minPairCount: 2);

        Assert.Contains("Ġcache", model.Vocab);
        Assert.DoesNotContain("memory", model.Vocab);
        Assert.DoesNotContain("Ġmemory", model.Vocab);
    }

    [Fact]
    public void Base_vocabulary_is_the_256_byte_symbols_in_gpt2_order()
    {
        BpeModel model = BpeTrainer.Train("a", maxMerges: 10);

        Assert.Equal(256, model.Vocab.Count);
        Assert.Equal("!", model.Vocab[0]);
        Assert.Equal("Ā", model.Vocab[188]); // byte 0
        Assert.Equal("Ġ", model.Vocab[188 + 32]); // byte 0x20 (space)
        Assert.Equal(256, new HashSet<string>(model.Vocab).Count);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        const string text = "the cache keeps the keys and the values of the tokens the model has seen";
        BpeModel a = BpeTrainer.Train(text, maxMerges: 50);
        BpeModel b = BpeTrainer.Train(text, maxMerges: 50);

        Assert.Equal(a.Vocab, b.Vocab);
        Assert.Equal(a.Merges, b.Merges);
    }

    [Fact]
    public void Merges_never_cross_pretokenizer_pieces()
    {
        BpeModel model = BpeTrainer.Train("ab1ab1ab1ab", maxMerges: 100);

        Assert.Contains(("a", "b"), model.Merges);
        foreach (var (left, right) in model.Merges)
        {
            string merged = left + right;
            Assert.False(merged.Contains('1', StringComparison.Ordinal) && merged.Contains('a', StringComparison.Ordinal),
                $"merge '{left} {right}' crosses a piece boundary");
        }
    }
}
