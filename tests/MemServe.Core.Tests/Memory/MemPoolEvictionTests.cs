using MemServe.Memory;

namespace MemServe.Core.Tests.Memory;

/// <summary>Eviction order, pins, and demotion through the host and disk tiers.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class MemPoolEvictionTests
{
    private static long HostBytes(int blocks) => blocks * MemPoolHarness.Layout.BlockBytes;

    [Fact]
    public void A_pinned_block_is_never_evicted()
    {
        using var h = new MemPoolHarness(8);
        int[] pinned = MemPoolHarness.Tokens(1, 8);
        int[] other = MemPoolHarness.Tokens(100, 8);
        h.InsertPrompt(pinned);
        h.InsertPrompt(other);
        PrefixMatch match = h.Pool.Match(pinned);
        h.Pool.Pin(match);

        int freed = h.Pool.SwapOut(8);

        Assert.Equal(2, freed);
        Assert.Equal(8, h.Pool.Match(pinned).MatchedTokens);
        Assert.Equal(MemoryTier.Device, h.Pool.Match(pinned)[1].Tier);
        Assert.Equal(0, h.Pool.Match(other).MatchedTokens);
        h.Pool.Unpin(match);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void The_least_recently_used_prefix_goes_first()
    {
        using var h = new MemPoolHarness(8);
        int[] old = MemPoolHarness.Tokens(1, 4);
        int[] recent = MemPoolHarness.Tokens(100, 4);
        h.InsertPrompt(old);
        h.InsertPrompt(recent);
        h.Pool.Match(old); // touch: now `recent` is the least recently used

        h.Pool.SwapOut(1);

        Assert.Equal(4, h.Pool.Match(old).MatchedTokens);
        Assert.Equal(0, h.Pool.Match(recent).MatchedTokens);
    }

    [Fact]
    public void The_fifo_policy_evicts_the_oldest_insert_despite_recent_use()
    {
        using var h = new MemPoolHarness(8, new PrefixCacheOptions { EvictionPolicy = EvictionPolicies.Fifo });
        int[] old = MemPoolHarness.Tokens(1, 4);
        int[] recent = MemPoolHarness.Tokens(100, 4);
        h.InsertPrompt(old);
        h.InsertPrompt(recent);
        h.Pool.Match(old);

        h.Pool.SwapOut(1);

        Assert.Equal(0, h.Pool.Match(old).MatchedTokens);
        Assert.Equal(4, h.Pool.Match(recent).MatchedTokens);
    }

    [Fact]
    public void Leaves_are_evicted_before_their_parents()
    {
        using var h = new MemPoolHarness(8);
        int[] prompt = MemPoolHarness.Tokens(1, 12);
        h.InsertPrompt(prompt);

        h.Pool.SwapOut(1);

        Assert.Equal(8, h.Pool.Match(prompt).MatchedTokens);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void An_unknown_policy_name_is_rejected_naming_the_option()
    {
        var error = Assert.Throws<ArgumentException>(() => EvictionPolicies.Create("random"));
        Assert.Contains("EvictionPolicy", error.Message);
    }

    [Fact]
    public void An_evicted_block_is_demoted_to_host_and_swapped_back_intact()
    {
        using var h = new MemPoolHarness(8, new PrefixCacheOptions { HostBytes = HostBytes(4) });
        int[] prompt = MemPoolHarness.Tokens(1, 8);
        h.InsertPrompt(prompt);

        Assert.Equal(2, h.Pool.SwapOut(2));
        PrefixMatch match = h.Pool.Match(prompt);
        Assert.Equal(MemoryTier.Host, match[0].Tier);
        Assert.Equal(2, h.Pool.HostBlocks);

        h.Pool.Pin(match);
        Assert.True(h.Pool.SwapIn(match));
        Assert.Equal(MemoryTier.Device, match[1].Tier);
        Assert.True(h.HasStamp(match[0].BlockId, prompt.AsSpan(0, 4)));
        Assert.True(h.HasStamp(match[1].BlockId, prompt.AsSpan(4, 4)));
        Assert.Equal(2, h.Pool.Counters.SwapIns);
        h.Pool.Unpin(match);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void A_full_host_tier_demotes_its_own_victims_to_disk()
    {
        using var dir = new MemServe.Core.Tests.Model.TempDirectory();
        using var h = new MemPoolHarness(8, new PrefixCacheOptions { HostBytes = HostBytes(1), DiskDirectory = dir.Path });
        int[] a = MemPoolHarness.Tokens(1, 4);
        int[] b = MemPoolHarness.Tokens(100, 4);
        h.InsertPrompt(a);
        h.InsertPrompt(b);

        h.Pool.SwapOut(2);

        Assert.Equal(1, h.Pool.HostBlocks);
        Assert.Equal(1, h.Pool.DiskBlocks);
        Assert.Equal(MemoryTier.Disk, h.Pool.Match(a)[0].Tier); // a was older: host → disk
        Assert.Equal(MemoryTier.Host, h.Pool.Match(b)[0].Tier);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void A_disk_block_swaps_in_with_its_bytes()
    {
        using var dir = new MemServe.Core.Tests.Model.TempDirectory();
        using var h = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path, PersistOnDispose = false });
        int[] prompt = MemPoolHarness.Tokens(7, 8);
        h.InsertPrompt(prompt);
        h.Pool.SwapOut(2);
        PrefixMatch match = h.Pool.Match(prompt);
        Assert.Equal(MemoryTier.Disk, match[1].Tier);

        h.Pool.Pin(match);
        Assert.True(h.Pool.SwapIn(match));

        Assert.True(h.HasStamp(match[1].BlockId, prompt.AsSpan(4, 4)));
        h.Pool.Unpin(match);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void Without_lower_tiers_an_evicted_block_is_dropped()
    {
        using var h = new MemPoolHarness(4);
        h.InsertPrompt(MemPoolHarness.Tokens(1, 8));

        h.Pool.SwapOut(2);

        Assert.Equal(0, h.Pool.CachedBlocks);
        Assert.Equal(2, h.Pool.Counters.Dropped);
        Assert.Equal(4, h.Device.FreeCount);
        h.Pool.CheckIntegrity();
    }

    [Fact]
    public void Device_allocation_evicts_cached_blocks_when_the_pool_is_full()
    {
        using var h = new MemPoolHarness(4);
        h.InsertPrompt(MemPoolHarness.Tokens(1, 16));
        var blocks = new int[3];

        Assert.True(h.Pool.TryAllocate(MemoryTier.Device, blocks));

        Assert.Equal(4, h.Pool.Match(MemPoolHarness.Tokens(1, 16)).MatchedTokens);
        h.Pool.Free(MemoryTier.Device, blocks);
        h.Pool.CheckIntegrity();
    }
}
