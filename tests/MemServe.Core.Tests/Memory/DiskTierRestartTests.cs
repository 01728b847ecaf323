using MemServe.Core.Tests.Model;
using MemServe.Memory;

namespace MemServe.Core.Tests.Memory;

/// <summary>The disk tier across a restart: reload, fingerprint isolation, bad files dropped.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class DiskTierRestartTests
{
    private static readonly int[] Prompt = MemPoolHarness.Tokens(10, 12);

    private static string WriteCache(TempDirectory dir)
    {
        using var first = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path });
        first.InsertPrompt(Prompt);
        return first.Pool.DiskDirectory!; // disposing persists
    }

    [Fact]
    public void A_new_pool_over_the_same_directory_matches_the_persisted_prefix()
    {
        using var dir = new TempDirectory();
        WriteCache(dir);

        using var second = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path });
        PrefixMatch match = second.Pool.Match(Prompt);

        Assert.Equal(12, match.MatchedTokens);
        Assert.Equal(MemoryTier.Disk, match[2].Tier);
        second.Pool.Pin(match);
        Assert.True(second.Pool.SwapIn(match));
        Assert.True(second.HasStamp(match[2].BlockId, Prompt.AsSpan(8, 4)));
        second.Pool.Unpin(match);
        second.Pool.CheckIntegrity();
    }

    [Fact]
    public void A_different_fingerprint_ignores_the_directory()
    {
        using var dir = new TempDirectory();
        WriteCache(dir);

        using var other = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path }, fingerprint: 43);

        Assert.Equal(0, other.Pool.Match(Prompt).MatchedTokens);
        Assert.Equal(0, other.Pool.DiskBlocks);
    }

    [Fact]
    public void A_truncated_block_file_is_dropped_with_its_descendants()
    {
        using var dir = new TempDirectory();
        string blocks = WriteCache(dir);
        string second = BlockFileAtDepth(blocks, 2);
        byte[] bytes = File.ReadAllBytes(second);
        File.WriteAllBytes(second, bytes[..(bytes.Length / 2)]);

        using var pool = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path });

        Assert.Equal(4, pool.Pool.Match(Prompt).MatchedTokens); // block 3 is an orphan now
        Assert.False(File.Exists(second));
        pool.Pool.CheckIntegrity();
    }

    [Fact]
    public void A_corrupt_block_file_is_dropped()
    {
        using var dir = new TempDirectory();
        string blocks = WriteCache(dir);
        string third = BlockFileAtDepth(blocks, 3);
        byte[] bytes = File.ReadAllBytes(third);
        bytes[bytes.Length - 20] ^= 0x40; // a payload bit
        File.WriteAllBytes(third, bytes);

        using var pool = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path });

        Assert.Equal(8, pool.Pool.Match(Prompt).MatchedTokens);
        Assert.Equal(2, pool.Pool.DiskBlocks);
        pool.Pool.CheckIntegrity();
    }

    [Fact]
    public void A_file_corrupted_after_start_is_dropped_at_swap_in()
    {
        using var dir = new TempDirectory();
        string blocks = WriteCache(dir);
        using var pool = new MemPoolHarness(8, new PrefixCacheOptions { DiskDirectory = dir.Path, PersistOnDispose = false });
        string third = BlockFileAtDepth(blocks, 3);
        byte[] bytes = File.ReadAllBytes(third);
        bytes[bytes.Length - 20] ^= 0x40;
        File.WriteAllBytes(third, bytes);

        PrefixMatch match = pool.Pool.Match(Prompt);
        pool.Pool.Pin(match);
        Assert.True(pool.Pool.SwapIn(match));

        Assert.Equal(8, match.MatchedTokens);
        pool.Pool.Unpin(match);
        Assert.Equal(8, pool.Pool.Match(Prompt).MatchedTokens);
        pool.Pool.CheckIntegrity();
    }

    // Block files carry their depth at byte 32 of the header.
    private static string BlockFileAtDepth(string directory, int depth)
    {
        foreach (string path in Directory.EnumerateFiles(directory, "*.kvb"))
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (BitConverter.ToInt32(bytes, 32) == depth) return path;
        }
        throw new InvalidOperationException($"no block file at depth {depth}");
    }
}
