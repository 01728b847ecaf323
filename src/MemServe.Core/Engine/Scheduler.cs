using System.Diagnostics;
using MemServe.Diagnostics;
using MemServe.Memory;
using Microsoft.Extensions.Logging;

namespace MemServe.Engine;

/// <summary>
/// Continuous batching with chunked prefill over a paged KV pool. Each step it builds one batch within a
/// token budget: first one decode token for every running sequence (oldest first), then prefill chunks
/// for running sequences that are still prefilling, then new admissions from the waiting queue in
/// arrival order (FCFS; the head of the queue is never skipped). A sequence gets the blocks for its whole
/// current context when admitted and one more block at a time as it grows (<see cref="MayAppend"/>);
/// when none is free, the youngest running sequence is preempted: its blocks are freed and it goes back
/// to the front of the waiting queue, to be recomputed later with its output as part of its context.
/// The oldest running sequence can always make progress, so scheduling never deadlocks. Engine thread
/// only; <see cref="RunningCount"/> and <see cref="WaitingCount"/> may be read elsewhere as snapshots.
/// With a prefix cache (<see cref="PrefixCache"/>) admission starts from the cached prefix and a full pool
/// first evicts unpinned cached blocks before it preempts anyone.
/// </summary>
internal sealed class Scheduler
{
    private readonly KvBlockPool _pool;
    private readonly int _blockTokens;
    private readonly int _maxBatchTokens;
    private readonly int _maxRunning;
    private readonly List<Sequence> _running = [];          // oldest admission first
    private readonly LinkedList<Sequence> _waiting = new(); // next to admit first
    private readonly StepBatch _step;
    private readonly EngineCounters _counters;
    private readonly ILogger _logger;
    private readonly PrefixCache? _cache;
    private readonly MemPool? _memPool;

    public Scheduler(KvBlockPool pool, int maxBatchTokens, int maxRunning, EngineCounters counters, ILogger logger,
        MemPool? memPool = null)
    {
        _pool = pool;
        _memPool = memPool;
        _cache = memPool is null ? null : new PrefixCache(memPool);
        _blockTokens = pool.Storage.Layout.BlockTokens;
        _maxBatchTokens = maxBatchTokens;
        _maxRunning = maxRunning;
        _counters = counters;
        _logger = logger;
        _step = new StepBatch(pool.Storage, maxBatchTokens, maxRunning);
    }

    public int RunningCount => _running.Count;

    public int WaitingCount => _waiting.Count;

    /// <summary>True while any sequence is running or waiting.</summary>
    public bool HasWork => _running.Count > 0 || _waiting.Count > 0;

    /// <summary>Queues a new sequence behind every waiting one.</summary>
    public void Enqueue(Sequence sequence)
    {
        Debug.Assert(sequence.Status == SequenceStatus.Queued, "only new sequences are enqueued");
        sequence.Status = SequenceStatus.Waiting;
        _waiting.AddLast(sequence);
    }

    /// <summary>Builds this step's batch (empty when nothing can run). <paramref name="now"/> stamps first scheduling.</summary>
    public StepBatch Schedule(long now)
    {
        _step.Clear();
        int budget = _maxBatchTokens;
        ScheduleDecodes(ref budget);
        ScheduleRunningPrefills(ref budget);
        AdmitWaiting(ref budget, now);
        return _step;
    }

    /// <summary>Takes <paramref name="sequence"/> out of the scheduler, frees its blocks (and its cache pin)
    /// and marks it finished.</summary>
    public void Remove(Sequence sequence)
    {
        switch (sequence.Status)
        {
            case SequenceStatus.Running: _running.Remove(sequence); break;
            case SequenceStatus.Waiting: _waiting.Remove(sequence); break;
        }
        _cache?.Release(sequence);
        sequence.Blocks.ReleaseAll(_pool);
        sequence.Status = SequenceStatus.Finished;
    }

    /// <summary>Removes a sequence that completed normally, first publishing its prompt and output full
    /// blocks in the prefix cache so the next turn of a conversation hits them.</summary>
    public void Finish(Sequence sequence)
    {
        if (sequence.Status == SequenceStatus.Running && sequence.UseCache) _cache?.Publish(sequence);
        Remove(sequence);
    }

    /// <summary>Ends a prefill-only sequence whose prompt is computed: publishes its prompt blocks (when it
    /// caches), hands a hold on all its blocks to the caller and removes it.</summary>
    public KvHold HandOff(Sequence sequence)
    {
        if (sequence.Status == SequenceStatus.Running && sequence.UseCache) _cache?.Publish(sequence);
        var blocks = new int[sequence.Blocks.Count];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = sequence.Blocks.Array[i];
            _pool.Retain(blocks[i]);
        }
        PromptTreeNode? pin = sequence.CachePin;
        _cache?.Hold(pin);
        Remove(sequence);
        return new KvHold(blocks, pin, sequence.PromptTokens);
    }

    /// <summary>Forks choice <paramref name="child"/> from <paramref name="parent"/>, whose prompt was just computed
    /// and which has not appended its first token yet: the child takes a reference on each of the parent's full
    /// prompt blocks (their K/V are computed once and shared), starts computed up to them, and waits at the front of
    /// the queue to recompute the rest of the prompt (less than one block) with its own first token.</summary>
    public void Fork(Sequence parent, Sequence child)
    {
        Debug.Assert(parent.Count == parent.PromptTokens && parent.ComputedTokens == parent.PromptTokens, "fork right after the prompt");
        Debug.Assert(child.Status == SequenceStatus.Queued && child.Blocks.Count == 0, "a fresh child");
        int shared = parent.PromptTokens / _blockTokens;
        for (int b = 0; b < shared; b++)
        {
            int block = parent.Blocks.Array[b];
            _pool.Retain(block);
            child.Blocks.Append(block);
        }
        child.ComputedTokens = shared * _blockTokens;
        child.FirstScheduledAt = parent.FirstScheduledAt;
        child.CachedPromptTokens = parent.CachedPromptTokens;
        child.Status = SequenceStatus.Waiting;
        _waiting.AddFirst(child);
    }

    /// <summary>After a step computed more of <paramref name="sequence"/>: publishes its newly full prompt
    /// blocks in the prefix cache (output blocks wait for <see cref="Finish"/>).</summary>
    public void OnComputed(Sequence sequence)
    {
        if (_cache is not null && sequence.UseCache && sequence.Status == SequenceStatus.Running &&
            sequence.ComputedTokens <= sequence.PromptTokens)
            _cache.Publish(sequence);
    }

    /// <summary>Releases a hold's block references and pin.</summary>
    public void Release(KvHold hold) => hold.Release(_pool, _memPool);

    /// <summary>Moves every running and waiting sequence into <paramref name="into"/>, freeing their blocks.</summary>
    public void RemoveAll(List<Sequence> into)
    {
        while (_running.Count > 0)
        {
            into.Add(_running[^1]);
            Remove(_running[^1]);
        }
        while (_waiting.First is { } node)
        {
            into.Add(node.Value);
            Remove(node.Value);
        }
    }

    // One token for each running sequence whose context is computed except its newest token.
    private void ScheduleDecodes(ref int budget)
    {
        for (int i = 0; i < _running.Count && budget > 0; i++)
        {
            Sequence sequence = _running[i];
            if (sequence.PendingTokens != 1) continue;
            if (!MayAppend(sequence)) return; // it was the youngest and preempted itself
            _step.Add(sequence, 1);
            budget--;
        }
    }

    // Further chunks of prompts already admitted.
    private void ScheduleRunningPrefills(ref int budget)
    {
        for (int i = 0; i < _running.Count && budget > 0; i++)
        {
            Sequence sequence = _running[i];
            if (sequence.PendingTokens <= 1) continue;
            int chunk = Math.Min(sequence.PendingTokens, budget);
            _step.Add(sequence, chunk);
            budget -= chunk;
        }
    }

    private void AdmitWaiting(ref int budget, long now)
    {
        while (budget > 0 && _running.Count < _maxRunning && _waiting.First is { } node)
        {
            Sequence sequence = node.Value;
            if (!TryAllocateContext(sequence))
            {
                Debug.Assert(_running.Count > 0, "an idle pool must fit any validated request");
                return;
            }
            _waiting.RemoveFirst();
            sequence.Status = SequenceStatus.Running;
            _running.Add(sequence);
            if (sequence.FirstScheduledAt == 0)
            {
                sequence.FirstScheduledAt = now;
                _counters.OnAdmitted(sequence.PromptTokens);
                if (sequence.UseCache && sequence.CachedPromptTokens < 0) _cache?.OnFirstAdmission(sequence);
                EngineLog.RequestAdmitted(_logger, sequence.Id, sequence.PromptTokens);
            }
            int chunk = Math.Min(sequence.PendingTokens, budget);
            _step.Add(sequence, chunk);
            budget -= chunk;
        }
    }

    // Gives a waiting sequence blocks for its whole context: cached prefix blocks shared, the rest new.
    // A sequence that arrives with blocks (KV imported from another engine) only grows them.
    private bool TryAllocateContext(Sequence sequence)
    {
        int needed = BlocksFor(sequence.Count);
        if (_cache is not null && sequence.UseCache && sequence.Blocks.Count == 0) return _cache.TryAdmit(sequence, needed);
        if (!EnsureFree(needed - sequence.Blocks.Count)) return false;
        sequence.Blocks.GrowTo(_pool, needed);
        return true;
    }

    // Frees cached blocks until `blocks` can be allocated; false when even that is not enough.
    private bool EnsureFree(int blocks)
    {
        while (!_pool.CanAllocate(blocks))
        {
            if (_cache is null || _cache.Evict(blocks - _pool.FreeCount) == 0) return false;
        }
        return true;
    }

    // Makes sure the blocks cover the whole context, preempting the youngest running sequences if
    // needed. False when that meant preempting the sequence itself.
    private bool MayAppend(Sequence sequence)
    {
        int needed = BlocksFor(sequence.Count);
        while (!_pool.CanAllocate(needed - sequence.Blocks.Count))
        {
            if (_cache is not null && _cache.Evict(needed - sequence.Blocks.Count - _pool.FreeCount) > 0) continue;
            Sequence victim = _running[^1];
            Preempt(victim);
            if (victim == sequence) return false;
        }
        sequence.Blocks.GrowTo(_pool, needed);
        return true;
    }

    private void Preempt(Sequence sequence)
    {
        _running.RemoveAt(_running.Count - 1);
        _cache?.Release(sequence);
        int blocks = sequence.Blocks.ReleaseAll(_pool);
        sequence.ComputedTokens = 0;
        sequence.Status = SequenceStatus.Waiting;
        _waiting.AddFirst(sequence);
        _counters.OnPreempted();
        EngineLog.RequestPreempted(_logger, sequence.Id, blocks, sequence.Count);
    }

    private int BlocksFor(int tokens) => (tokens + _blockTokens - 1) / _blockTokens;
}
