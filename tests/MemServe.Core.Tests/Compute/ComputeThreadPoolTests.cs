using MemServe.Compute;

namespace MemServe.Core.Tests.Compute;

[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class ComputeThreadPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_item_runs_exactly_once(int threads)
    {
        using var pool = new ComputeThreadPool(threads);
        var counts = new int[1000];

        fixed (int* p = counts)
        {
            for (int round = 0; round < 50; round++) pool.Run(&Increment, p, counts.Length, 7);
        }

        Assert.All(counts, c => Assert.Equal(50, c));
    }

    [Fact]
    public void Back_to_back_jobs_of_different_sizes_never_run_a_stale_chunk()
    {
        // Regression: a worker that read a finished job's claim word, then was descheduled, could claim a
        // chunk of the next job (with a larger chunk count) under the old generation and run it twice.
        using var pool = new ComputeThreadPool(2);
        var small = new int[3];
        var large = new int[64];
        const int Rounds = 20_000;

        fixed (int* s = small, l = large)
        {
            for (int round = 0; round < Rounds; round++)
            {
                if (round % 2 == 0) pool.Run(&Increment, s, small.Length, 1);
                else pool.Run(&Increment, l, large.Length, 1);
            }
        }

        Assert.All(small, c => Assert.Equal(Rounds / 2, c));
        Assert.All(large, c => Assert.Equal(Rounds / 2, c));
    }

    [Fact]
    public void Thread_indices_stay_below_thread_count()
    {
        using var pool = new ComputeThreadPool(2);
        var seen = new int[1000];

        fixed (int* p = seen) pool.Run(&RecordThread, p, seen.Length, 1);

        Assert.All(seen, t => Assert.InRange(t, 0, 1));
    }

    [Fact]
    public void Exception_in_a_chunk_is_rethrown_to_the_caller()
    {
        using var pool = new ComputeThreadPool(2);

        Assert.Throws<InvalidOperationException>(() => pool.Run(&Throw, null, 100, 1));
        var counts = new int[10];
        fixed (int* p = counts) pool.Run(&Increment, p, counts.Length, 1); // still usable afterwards
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Zero_means_processor_count()
    {
        using var pool = new ComputeThreadPool(0);

        Assert.Equal(Environment.ProcessorCount, pool.ThreadCount);
    }

    private static void Increment(void* context, int begin, int end, int thread)
    {
        int* counts = (int*)context;
        for (int i = begin; i < end; i++) Interlocked.Increment(ref counts[i]);
    }

    private static void RecordThread(void* context, int begin, int end, int thread)
    {
        for (int i = begin; i < end; i++) ((int*)context)[i] = thread;
    }

    private static void Throw(void* context, int begin, int end, int thread) =>
        throw new InvalidOperationException($"chunk {begin}");
}
