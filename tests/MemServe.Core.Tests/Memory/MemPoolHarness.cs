using MemServe.Memory;

namespace MemServe.Core.Tests.Memory;

/// <summary>A MemPool over a small device arena (blocks of 4 tokens, 1 layer, 1 KV head, head dim 2),
/// with helpers that fill a device block with a recognisable pattern and check it.</summary>
internal sealed class MemPoolHarness : IDisposable
{
    public const int BlockTokens = 4;
    public static readonly KvCacheLayout Layout = new(0, 1, 1, 2, BlockTokens);

    private readonly KvBlockStorage _storage;

    public MemPoolHarness(int deviceBlocks, PrefixCacheOptions? options = null, ulong fingerprint = 42)
    {
        _storage = new KvBlockStorage(Layout, deviceBlocks, budget: null);
        Device = new KvBlockPool(_storage);
        Pool = new MemPool(Device, options ?? new PrefixCacheOptions(), fingerprint);
    }

    public KvBlockPool Device { get; }

    public MemPool Pool { get; }

    /// <summary>Allocates blocks for the full blocks of <paramref name="tokens"/>, stamps each with its
    /// tokens, inserts them, and frees the caller's references (the cache keeps its own).</summary>
    public int[] InsertPrompt(int[] tokens)
    {
        int[] blocks = new int[tokens.Length / BlockTokens];
        Assert.True(Pool.TryAllocate(MemoryTier.Device, blocks));
        for (int b = 0; b < blocks.Length; b++) Stamp(blocks[b], tokens.AsSpan(b * BlockTokens, BlockTokens));
        Pool.Insert(tokens, blocks);
        Pool.Free(MemoryTier.Device, blocks);
        return blocks;
    }

    /// <summary>Writes a pattern derived from <paramref name="tokens"/> into a device block.</summary>
    public void Stamp(int block, ReadOnlySpan<int> tokens)
    {
        Span<float> data = _storage.BlockSpan(block);
        for (int i = 0; i < data.Length; i++) data[i] = tokens[i % tokens.Length] * 1000 + i;
    }

    /// <summary>True when a device block holds the pattern of <paramref name="tokens"/>.</summary>
    public bool HasStamp(int block, ReadOnlySpan<int> tokens)
    {
        Span<float> data = _storage.BlockSpan(block);
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != tokens[i % tokens.Length] * 1000 + i) return false;
        }
        return true;
    }

    public static int[] Tokens(int start, int count)
    {
        var t = new int[count];
        for (int i = 0; i < count; i++) t[i] = start + i;
        return t;
    }

    public void Dispose()
    {
        Pool.Dispose();
        _storage.Dispose();
    }
}
