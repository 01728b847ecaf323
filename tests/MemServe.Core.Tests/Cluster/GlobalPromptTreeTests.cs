using MemServe.Cluster;
using MemServe.Core.Tests.Transport;

namespace MemServe.Core.Tests.Cluster;

public class GlobalPromptTreeTests
{
    private static readonly int[] Prompt = Enumerable.Range(100, 64).ToArray(); // 4 blocks

    [Fact]
    public void MatchReportsEachInstancesContiguousPrefix()
    {
        var tree = new GlobalPromptTree(InstanceRole.Prefill, TimeSpan.FromMinutes(5));
        tree.InsertTokens("a", Prompt.AsSpan(0, 48));
        tree.InsertTokens("b", Prompt.AsSpan(0, 16));

        InstancePrefixMatch match = tree.Match(Prompt);

        Assert.Equal(48, match.TokensFor("a"));
        Assert.Equal(16, match.TokensFor("b"));
        Assert.Equal(0, match.TokensFor("c"));
        Assert.Equal("a", match.LongestInstanceId);
    }

    [Fact]
    public void OnlyFullBlocksMatchAndADifferentPrefixMisses()
    {
        var tree = new GlobalPromptTree(InstanceRole.Prefill, TimeSpan.FromMinutes(5));
        tree.InsertTokens("a", Prompt.AsSpan(0, 40));
        int[] other = (int[])Prompt.Clone();
        other[3] = -1;

        Assert.Equal(32, tree.Match(Prompt).TokensFor("a"));
        Assert.Null(tree.Match(other).LongestInstanceId);
    }

    [Fact]
    public void AnEvictEventCutsThePrefixAtTheEvictedBlock()
    {
        var tree = new GlobalPromptTree(InstanceRole.Decode, TimeSpan.FromMinutes(5));
        ulong[] hashes = BlockHasher.ChainAll(Prompt);
        tree.Insert("a", hashes);

        tree.Evict("a", hashes.AsSpan(1, 1));

        Assert.Equal(16, tree.Match(Prompt).TokensFor("a"));
    }

    [Fact]
    public void StaleEntriesExpireAndAnInsertRefreshesThem()
    {
        var clock = new FakeTimeProvider();
        var tree = new GlobalPromptTree(InstanceRole.Prefill, TimeSpan.FromMinutes(5), clock);
        tree.InsertTokens("a", Prompt);
        tree.InsertTokens("b", Prompt);

        clock.Advance(TimeSpan.FromMinutes(4));
        tree.InsertTokens("b", Prompt); // b reports again
        clock.Advance(TimeSpan.FromMinutes(2));

        InstancePrefixMatch match = tree.Match(Prompt);
        Assert.Equal(0, match.TokensFor("a"));
        Assert.Equal(64, match.TokensFor("b"));
        Assert.Equal(4, tree.RemoveExpired());
    }

    [Fact]
    public void RemovingAnInstanceForgetsItsEntries()
    {
        var tree = new GlobalPromptTree(InstanceRole.Prefill, TimeSpan.FromMinutes(5));
        tree.InsertTokens("a", Prompt);

        tree.RemoveInstance("a");

        Assert.Equal(0, tree.EntryCount);
    }
}
