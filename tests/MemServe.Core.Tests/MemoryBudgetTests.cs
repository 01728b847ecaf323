using MemServe.Memory;

namespace MemServe.Core.Tests;

[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public class MemoryBudgetTests
{
    [Fact]
    public void Charge_beyond_the_limit_throws_and_charges_nothing()
    {
        var budget = new MemoryBudget(1000);
        budget.Charge(MemoryCategory.Weights, 600, "weights");
        var ex = Assert.Throws<MemoryBudgetExceededException>(() => budget.Charge(MemoryCategory.KvCache, 500, "KV cache"));
        Assert.Contains("KV cache", ex.Message);
        Assert.Equal(600, budget.UsedBytes);
    }

    [Fact]
    public void NativeBuffer_charges_while_alive_and_releases_on_dispose()
    {
        var budget = new MemoryBudget(1 << 20);
        long live = NativeMemoryTracker.LiveBytes;
        using (var buffer = new NativeBuffer<float>(1000, budget, MemoryCategory.Scratch, "scratch"))
        {
            Assert.Equal(4000, budget.UsedBy(MemoryCategory.Scratch));
            Assert.All(buffer.Span.ToArray(), v => Assert.Equal(0f, v));
        }
        Assert.Equal(0, budget.UsedBytes);
        Assert.True(NativeMemoryTracker.LiveBytes <= live);
    }
}
