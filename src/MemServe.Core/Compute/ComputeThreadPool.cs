using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace MemServe.Compute;

/// <summary>
/// A fixed set of worker threads that run one data-parallel job at a time: the caller hands over
/// a static function pointer, a context pointer and an item count; items are claimed in chunks of
/// <c>grain</c> by the workers and the calling thread alike (dynamic claiming keeps both cores busy
/// even when another process steals one). Waiting spins only briefly (<see cref="SpinMicroseconds"/>)
/// and then parks on an event, so a busy neighbour process does not collapse throughput.
/// <para>Not thread-safe: one thread (the runner's caller) calls <see cref="Run"/> at a time.
/// No allocations per <see cref="Run"/>. Dispose stops and joins the workers.</para>
/// </summary>
public sealed unsafe class ComputeThreadPool : IDisposable
{
    /// <summary>How long a waiting thread spins before it parks.</summary>
    public const int SpinMicroseconds = 20;

    private static readonly long s_spinTicks = Math.Max(1, Stopwatch.Frequency * SpinMicroseconds / 1_000_000);

    private readonly Worker[] _workers;
    private readonly ManualResetEventSlim _done = new(false);
    private delegate*<void*, int, int, int, void> _body; // (context, begin, end, threadIndex)
    private void* _context;
    private int _itemCount;
    private int _grain;
    private int _chunkCount;
    private int _completedChunks;
    // (job generation << 32) | next chunk to claim. A thread may run a chunk only after claiming it
    // with a CAS in the current generation, so a late worker never touches a later job's state, and
    // the caller waits for chunks, not for workers that have not woken up yet.
    private long _claim;
    private volatile bool _stopping;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Creates a pool of <paramref name="threadCount"/> threads in all, the caller included
    /// (so <c>threadCount - 1</c> workers are started). 0 means <see cref="Environment.ProcessorCount"/>.</summary>
    public ComputeThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threadCount);
        ThreadCount = threadCount == 0 ? Environment.ProcessorCount : threadCount;
        _workers = new Worker[ThreadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this, i + 1);
        }
    }

    /// <summary>Threads that execute a job, the calling thread included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Runs <paramref name="body"/> over items [0, <paramref name="itemCount"/>) in chunks of
    /// <paramref name="grain"/> items and returns when all are done. The body receives
    /// (context, begin, end, threadIndex) with threadIndex in [0, <see cref="ThreadCount"/>); each thread
    /// index runs on one thread at a time, so per-thread scratch may be indexed by it. An exception in
    /// any chunk is rethrown here after all chunks finished.
    /// </summary>
    public void Run(delegate*<void*, int, int, int, void> body, void* context, int itemCount, int grain)
    {
        if (itemCount <= 0) return;
        grain = Math.Max(1, grain);
        int chunks = (itemCount + grain - 1) / grain;
        if (_workers.Length == 0 || chunks == 1)
        {
            body(context, 0, itemCount, 0);
            return;
        }
        _body = body;
        _context = context;
        _itemCount = itemCount;
        _grain = grain;
        _chunkCount = chunks;
        _completedChunks = 0;
        _failure = null;
        long generation = (Volatile.Read(ref _claim) >> 32) + 1;
        Interlocked.Exchange(ref _claim, generation << 32); // publishes the job
        foreach (Worker w in _workers) w.Wake.Set();

        RunChunks(generation, 0);
        WaitForChunks();
        // Retire the generation before the next job's fields are written: a worker that read this job's
        // claim word but was descheduled before its CAS must fail that CAS, never claim a "chunk" of the
        // next job's (half-written) state under this generation.
        Interlocked.Exchange(ref _claim, (generation << 32) | int.MaxValue);
        _failure?.Throw();
    }

    private void RunChunks(long generation, int threadIndex)
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            if (claim >> 32 != generation) return;
            int chunk = (int)claim;
            if (chunk >= _chunkCount) return;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            int begin = chunk * _grain;
            try
            {
                _body(_context, begin, Math.Min(_itemCount, begin + _grain), threadIndex);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null);
            }
            if (Interlocked.Increment(ref _completedChunks) == _chunkCount) _done.Set();
        }
    }

    private void WaitForChunks()
    {
        long start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _completedChunks) != _chunkCount)
        {
            if (Stopwatch.GetTimestamp() - start <= s_spinTicks)
            {
                Thread.SpinWait(8);
                continue;
            }
            // Reset, re-check, then park: a stale Set left by the previous job only costs a loop turn.
            _done.Reset();
            if (Volatile.Read(ref _completedChunks) == _chunkCount) return;
            _done.Wait();
        }
    }

    private void WorkerLoop(Worker self)
    {
        long seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _claim) >> 32 == seen && !_stopping)
            {
                if (Stopwatch.GetTimestamp() - start > s_spinTicks)
                {
                    self.Wake.Reset();
                    if (Volatile.Read(ref _claim) >> 32 != seen || _stopping) break;
                    self.Wake.Wait();
                    start = Stopwatch.GetTimestamp();
                }
                else
                {
                    Thread.SpinWait(8);
                }
            }
            if (_stopping) return;
            seen = Volatile.Read(ref _claim) >> 32;
            RunChunks(seen, self.Index);
        }
    }

    /// <summary>Stops and joins the workers. Idempotent.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        foreach (Worker w in _workers)
        {
            w.Wake.Set();
            w.Thread.Join();
            w.Wake.Dispose();
        }
        _done.Dispose();
    }

    private sealed class Worker
    {
        public Worker(ComputeThreadPool pool, int index)
        {
            Index = index;
            Thread = new Thread(() => pool.WorkerLoop(this))
            {
                IsBackground = true,
                Name = $"MemServe compute {index}",
            };
            Thread.Start();
        }

        public int Index { get; }
        public ManualResetEventSlim Wake { get; } = new(false);
        public Thread Thread { get; }
    }
}
