using MemServe.Memory;

namespace MemServe.Core.Tests.Memory;

/// <summary>Insert, Match and Delete of the MemPool's prompt tree, on the device tier alone.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class MemPoolIndexTests
{
    [Fact]
    public void Match_returns_the_longest_cached_prefix_in_full_blocks()
    {
        using var h = new MemPoolHarness(16);
        int[] prompt = MemPoolHarness.Tokens(1, 12);
        h.InsertPrompt(prompt);

        int[] query = [.. prompt[..9], 99, 98, 97, 96, 95];
        PrefixMatch match = h.Pool.Match(query);

        Assert.Equal(8, match.MatchedTokens);
        Assert.Equal(MemoryTier.Device, match[0].Tier);
        Assert.True(h.HasStamp(match[1].BlockId, prompt.AsSpan(4, 4)));
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void The_last_partial_block_is_not_indexed()
    {
        using var h = new MemPoolHarness(16);
        int[] prompt = MemPoolHarness.Tokens(1, 10);
        int[] blocks = new int[3];
        Assert.True(h.Pool.TryAllocate(MemoryTier.Device, blocks));

        int added = h.Pool.Insert(prompt, blocks);

        Assert.Equal(2, added);
        Assert.Equal(8, h.Pool.Match(prompt).MatchedTokens);
        h.Pool.Free(MemoryTier.Device, blocks);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void Match_respects_the_block_limit()
    {
        using var h = new MemPoolHarness(16);
        int[] prompt = MemPoolHarness.Tokens(1, 16);
        h.InsertPrompt(prompt);

        Assert.Equal(12, h.Pool.Match(prompt, maxBlocks: 3).MatchedTokens);
    }

    [Fact]
    public void Inserting_a_cached_prefix_again_adds_nothing_and_keeps_the_first_blocks()
    {
        using var h = new MemPoolHarness(16);
        int[] prompt = MemPoolHarness.Tokens(1, 8);
        int[] first = h.InsertPrompt(prompt);

        int[] again = new int[2];
        Assert.True(h.Pool.TryAllocate(MemoryTier.Device, again));
        Assert.Equal(0, h.Pool.Insert(prompt, again));
        h.Pool.Free(MemoryTier.Device, again);

        Assert.Equal(first[1], h.Pool.Match(prompt)[1].BlockId);
        Assert.Equal(14, h.Device.FreeCount);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void Delete_removes_the_prefix_and_everything_below_it()
    {
        using var h = new MemPoolHarness(16);
        int[] a = MemPoolHarness.Tokens(1, 12);
        int[] b = [.. a[..8], 50, 51, 52, 53];
        h.InsertPrompt(a);
        h.InsertPrompt(b);

        int removed = h.Pool.Delete(a.AsSpan(0, 8));

        Assert.Equal(3, removed); // block 2 of a and of b, plus block 1
        Assert.Equal(4, h.Pool.Match(a).MatchedTokens);
        Assert.Equal(15, h.Device.FreeCount);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void Delete_leaves_a_pinned_prefix_alone()
    {
        using var h = new MemPoolHarness(16);
        int[] a = MemPoolHarness.Tokens(1, 8);
        h.InsertPrompt(a);
        PrefixMatch match = h.Pool.Match(a);
        h.Pool.Pin(match);

        Assert.Equal(0, h.Pool.Delete(a));
        Assert.Equal(8, h.Pool.Match(a).MatchedTokens);
        h.Pool.Unpin(match);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void Unpinning_a_match_twice_throws()
    {
        using var h = new MemPoolHarness(8);
        h.InsertPrompt(MemPoolHarness.Tokens(1, 4));
        PrefixMatch match = h.Pool.Match(MemPoolHarness.Tokens(1, 4));
        h.Pool.Pin(match);
        h.Pool.Unpin(match);

        Assert.Throws<InvalidOperationException>(() => h.Pool.Unpin(match));
    }

    [Fact]
    public void Allocating_more_device_blocks_than_exist_fails_without_allocating()
    {
        using var h = new MemPoolHarness(4);
        Span<int> blocks = stackalloc int[5];

        Assert.False(h.Pool.TryAllocate(MemoryTier.Device, blocks));
        Assert.Equal(4, h.Device.FreeCount);
    }

    [Fact]
    public void Disk_blocks_cannot_be_allocated_directly()
    {
        using var h = new MemPoolHarness(4);
        Assert.Throws<NotSupportedException>(() => h.Pool.TryAllocate(MemoryTier.Disk, new int[1]));
    }
}
