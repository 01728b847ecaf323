using MemServe.Memory;

namespace MemServe.Engine;

/// <summary>How many KV blocks an engine gets: what the budget has left after weights and scratch, minus
/// a small reserve, never more than the running requests could fill at full context, capped by
/// <see cref="LlmEngineOptions.MaxKvBlocks"/>.</summary>
internal static class KvPoolSizing
{
    private const long MaxReserveBytes = 16L << 20;

    /// <summary>Bytes kept out of the KV pool for small allocations charged later: 1% of the budget, at most 16 MiB.</summary>
    public static long ReserveBytes(MemoryBudget budget) => Math.Min(MaxReserveBytes, budget.LimitBytes / 100);

    /// <summary>The block count to allocate.</summary>
    /// <exception cref="MemoryBudgetExceededException">Not even one block fits.</exception>
    public static int BlockCount(MemoryBudget budget, KvCacheLayout layout, int? maxKvBlocks, int maxRunning, int contextTokens)
    {
        long available = budget.AvailableBytes - ReserveBytes(budget);
        long fit = Math.Max(0, available / layout.BlockBytes);
        long useful = (long)maxRunning * layout.BlocksFor(contextTokens);
        long blocks = Math.Min(Math.Min(fit, useful), maxKvBlocks ?? int.MaxValue);
        if (blocks < 1)
        {
            throw new MemoryBudgetExceededException(
                $"Memory budget exceeded: the KV cache needs at least one block of {MemoryBudget.Format(layout.BlockBytes)}, " +
                $"but after weights ({MemoryBudget.Format(budget.UsedBy(MemoryCategory.Weights))}), scratch " +
                $"({MemoryBudget.Format(budget.UsedBy(MemoryCategory.Scratch))}) and a reserve of " +
                $"{MemoryBudget.Format(ReserveBytes(budget))} only {MemoryBudget.Format(Math.Max(0, available))} of the " +
                $"{MemoryBudget.Format(budget.LimitBytes)} budget is left (LlmEngineOptions.MemoryBudgetBytes).");
        }
        return (int)Math.Min(blocks, int.MaxValue);
    }
}
