using MemServe.Core.Tests.Runner;
using MemServe.Memory;

namespace MemServe.Core.Tests.Engine;

[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public sealed class KvBlockPoolTests : IDisposable
{
    private readonly KvBlockStorage _storage = new(new KvCacheLayout(0, 1, 1, 2, 4), blockCount: 4, budget: null);

    public void Dispose() => _storage.Dispose();

    [Fact]
    public void Allocating_and_releasing_moves_blocks_between_free_and_used()
    {
        var pool = new KvBlockPool(_storage);

        int a = pool.Allocate();
        int b = pool.Allocate();

        Assert.NotEqual(a, b);
        Assert.Equal(2, pool.UsedCount);
        Assert.Equal(2, pool.FreeCount);
        Assert.True(pool.Release(a));
        Assert.Equal(3, pool.FreeCount);
        pool.CheckIntegrity();
    }

    [Fact]
    public void A_retained_block_is_freed_by_its_last_release_only()
    {
        var pool = new KvBlockPool(_storage);
        int block = pool.Allocate();
        pool.Retain(block);

        Assert.False(pool.Release(block));
        Assert.Equal(1, pool.UsedCount);
        Assert.True(pool.Release(block));
        Assert.Equal(0, pool.UsedCount);
        pool.CheckIntegrity();
    }

    [Fact]
    public void An_exhausted_pool_refuses_to_allocate()
    {
        var pool = new KvBlockPool(_storage);
        for (int i = 0; i < 4; i++) pool.Allocate();

        Assert.False(pool.CanAllocate(1));
        Assert.False(pool.TryAllocate(out _));
        Assert.Throws<InvalidOperationException>(() => pool.Allocate());
    }

    [Fact]
    public void Releasing_a_free_block_throws_and_leaves_the_pool_intact()
    {
        var pool = new KvBlockPool(_storage);
        int block = pool.Allocate();
        pool.Release(block);

        var error = Assert.Throws<InvalidOperationException>(() => pool.Release(block));

        Assert.Contains($"block {block}", error.Message);
        pool.CheckIntegrity();
    }

    [Fact]
    public void Retaining_a_free_block_throws()
    {
        var pool = new KvBlockPool(_storage);
        Assert.Throws<InvalidOperationException>(() => pool.Retain(2));
    }
}
