using System.Collections.Concurrent;
using System.Threading.Channels;
using MemServe.Constraints;
using MemServe.Diagnostics;
using MemServe.Runner;
using MemServe.Sampling;
using Microsoft.Extensions.Logging;

namespace MemServe.Engine;

/// <summary>
/// The engine's one dedicated thread: <c>schedule → run → postprocess</c>, step after step, parked on the
/// admission channel while there is nothing to do. It alone touches the scheduler, the pool, the sampler
/// and the runner. Callers reach it through the admission channel and <see cref="Abandon"/>; results
/// leave through each sequence's update channel.
/// </summary>
internal sealed class EngineLoop : IDisposable
{
    private readonly IModelRunner _runner;
    private readonly Scheduler _scheduler;
    private readonly Sampler _sampler;
    private readonly LogprobCalculator _logprobs;
    private float[]? _constrained; // (vocab) a constrained copy of a logits row, when the raw row must stay readable
    private readonly ChannelReader<Sequence> _admissions;
    private readonly ConcurrentQueue<Sequence> _abandoned = new();
    private readonly Channel<EngineWork> _work = Channel.CreateUnbounded<EngineWork>(new UnboundedChannelOptions { SingleReader = false });
    private readonly EngineCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LayerRange _layers;
    private readonly int _waitingLookahead;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EngineLoop(IModelRunner runner, Scheduler scheduler, ChannelReader<Sequence> admissions,
        EngineCounters counters, TimeProvider time, ILogger logger, int waitingLookahead)
    {
        _runner = runner;
        _scheduler = scheduler;
        _sampler = new Sampler(runner.Config.VocabSize);
        _logprobs = new LogprobCalculator(runner.Config.VocabSize);
        _admissions = admissions;
        _counters = counters;
        _time = time;
        _logger = logger;
        _layers = runner.Layers;
        _waitingLookahead = waitingLookahead;
    }

    /// <summary>Completes when the thread has ended every request and returned.</summary>
    public Task Exited => _exited.Task;

    /// <summary>Starts the thread.</summary>
    public void Start() => new Thread(Run) { Name = "MemServe engine", IsBackground = true }.Start();

    /// <summary>Asks the thread to stop after the current step. Any thread.</summary>
    public void RequestStop() => _stop.Cancel();

    /// <summary>Frees the stop signal; call after <see cref="Exited"/> has completed.</summary>
    public void Dispose() => _stop.Dispose();

    /// <summary>Runs <paramref name="work"/> on the engine thread before the next step (waking the loop when it
    /// is parked) and completes with its result. Any thread. When the engine has stopped (or stops before the
    /// work runs) the task fails with <see cref="ObjectDisposedException"/>; work accepted before the stop
    /// still runs when the thread exits, so a posted release is never lost.</summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        var item = new EngineWork<T>(work);
        if (!_work.Writer.TryWrite(item)) item.Fail(DisposedError());
        return item.Task;
    }

    /// <summary>Tells the loop the caller gave up on <paramref name="sequence"/>; its blocks are freed
    /// at the start of the next step. Any thread.</summary>
    public void Abandon(Sequence sequence)
    {
        if (sequence.MarkAbandoned()) _abandoned.Enqueue(sequence);
    }

    private void Run()
    {
        try
        {
            while (WaitForWork())
            {
                try
                {
                    Step();
                }
                catch (Exception ex)
                {
                    EngineLog.StepFailed(_logger, ex);
                    EndEverything(includeQueued: false, () => new MemServeException($"An engine step failed: {ex.Message}", ex));
                }
            }
        }
        finally
        {
            _work.Writer.TryComplete();
            RunPosted(); // releases posted before the stop must still run while the pool exists
            int ended = EndEverything(includeQueued: true, static () => new ObjectDisposedException(nameof(LlmEngine),
                "The engine was disposed while this request was in flight."));
            EngineLog.EngineStopped(_logger, ended);
            _exited.TrySetResult();
        }
    }

    private void Step()
    {
        RunPosted();
        AdmitQueued();
        ReapAbandoned();
        StepBatch batch = _scheduler.Schedule(_time.GetTimestamp());
        if (batch.Count == 0) return;
        ForwardOutput? output = RunModel(batch);
        if (output is not null) Postprocess(batch, output);
    }

    // Parks until there is work; false when the engine stops.
    private bool WaitForWork()
    {
        if (_stop.IsCancellationRequested) return false;
        if (_scheduler.HasWork || _admissions.Count > 0 || _work.Reader.Count > 0) return true;
        try
        {
            // Park on both channels; the loser's wait is cancelled so idle cycles leave no stray waiters.
            using var parked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            Task<bool> admission = _admissions.WaitToReadAsync(parked.Token).AsTask();
            Task<bool> work = _work.Reader.WaitToReadAsync(parked.Token).AsTask();
            Task<bool> first = Task.WhenAny(admission, work).GetAwaiter().GetResult();
            parked.Cancel();
            return first.GetAwaiter().GetResult() || _work.Reader.Count > 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Moves requests from the bounded channel into the scheduler, keeping only a short waiting queue so
    // that the channel's capacity is what bounds the backlog.
    private void AdmitQueued()
    {
        while (_scheduler.WaitingCount < _waitingLookahead && _admissions.TryRead(out Sequence? sequence))
        {
            if (sequence.IsAbandoned) EndCancelled(sequence);
            else _scheduler.Enqueue(sequence);
        }
    }

    private void RunPosted()
    {
        while (_work.Reader.TryRead(out EngineWork? item)) item.Run();
    }

    private static ObjectDisposedException DisposedError() =>
        new(nameof(LlmEngine), "The engine was disposed before the posted work could run.");

    private void ReapAbandoned()
    {
        while (_abandoned.TryDequeue(out Sequence? sequence))
        {
            // Still in the channel: AdmitQueued drops it when it gets there.
            if (IsScheduled(sequence)) EndCancelled(sequence);
        }
    }

    private ForwardOutput? RunModel(StepBatch batch)
    {
        try
        {
            return HasStartingStream(batch) ? ForwardStreaming(batch) : _runner.Forward(batch.Forward, _layers);
        }
        catch (Exception ex)
        {
            EngineLog.RunnerFailed(_logger, ex, batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                Fail(batch[i], new MemServeException(
                    $"The model runner failed on a step of {batch.Count} sequences: {ex.Message}", ex));
            }
            return null;
        }
    }

    // A prefill-only request with a by-layer stream whose prompt completes in this step.
    private static bool HasStartingStream(StepBatch batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Forward.Sequences[i].NeedsLogits && !batch[i].IsAbandoned && batch[i].Handoff?.Stream is { Started: false })
                return true;
        }
        return false;
    }

    // Runs the step in layer groups; after each group the streaming requests' finished layers go to their senders,
    // which send them (off this thread) while the next groups compute.
    private ForwardOutput ForwardStreaming(StepBatch batch)
    {
        var streams = new List<LayerStream>(1);
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Forward.Sequences[i].NeedsLogits && !batch[i].IsAbandoned && batch[i].Handoff?.Stream is { Started: false } stream)
            {
                stream.Begin(batch[i].Blocks.Array.AsSpan(0, batch[i].Blocks.Count));
                streams.Add(stream);
            }
        }
        int group = streams[0].LayersPerGroup;
        ForwardOutput output;
        HiddenStates? hidden = null;
        int start = _layers.Start;
        do
        {
            var range = new LayerRange(start, Math.Min(_layers.End, start + group));
            output = _runner.Forward(batch.Forward, range, hidden);
            hidden = output.Hidden;
            foreach (LayerStream stream in streams) stream.Publish(range, range.End == _layers.End);
            start = range.End;
        }
        while (start < _layers.End);
        return output;
    }

    private void Postprocess(StepBatch batch, ForwardOutput output)
    {
        long now = _time.GetTimestamp();
        // The step is counted before any update goes out, so a caller that reads the stats right after its
        // request ends sees the step that ended it.
        _counters.OnStep(now, batch.Forward.TokenCount, CountSampled(batch));
        for (int i = 0; i < batch.Count; i++)
        {
            Sequence sequence = batch[i];
            ForwardSequence part = batch.Forward.Sequences[i];
            sequence.ComputedTokens += part.NewTokens;
            _scheduler.OnComputed(sequence);
            if (sequence.Embedding is { } embedding)
            {
                if (!sequence.IsAbandoned) Embedded(sequence, embedding, part, output, i);
                continue;
            }
            if (!part.NeedsLogits || sequence.IsAbandoned) continue;
            try
            {
                Span<float> raw = output.Logits(i);
                bool forks = sequence.Group is { Forked: false };
                Span<float> logits = sequence.Constraint is { } constraint
                    ? Constrain(sequence, constraint, raw, keepRaw: forks || sequence.Logprobs is not null)
                    : raw;
                int token = _sampler.Sample(logits, sequence.Sampling, sequence.LogitBias, ref sequence.Rng,
                    sequence.Tokens, sequence.PromptTokens);
                // Logprobs describe the model's raw distribution: the logits as given, before mask, bias and penalties.
                TokenLogprobs? logprobs = sequence.Logprobs is { } top ? _logprobs.Compute(raw, token, top) : null;
                if (forks) ForkChoices(sequence, sequence.Group!, raw, now);
                if (sequence.Handoff is { } handoff)
                {
                    HandOff(sequence, handoff, token, logprobs, now);
                    continue;
                }
                GenerationUpdate update = SequenceOutput.Accept(sequence, token, now, _time, logprobs);
                if (update.IsFinal)
                {
                    _scheduler.Finish(sequence); // blocks are free (or cached) before the caller sees the end
                    _counters.OnCompleted();
                }
                sequence.Publish(update);
            }
            catch (Exception ex)
            {
                Fail(sequence, new MemServeException(
                    $"Request {sequence.Id} failed while its output was processed: {ex.Message}", ex));
            }
        }
    }

    // An embedding input computed a chunk: pool it; after its last token, free its blocks and hand the pool over.
    private void Embedded(Sequence sequence, EmbeddingJob embedding, ForwardSequence part, ForwardOutput output, int index)
    {
        try
        {
            if (part.Pooling != HiddenPooling.None) embedding.Accumulate(output.Pooled(index), fromStart: part.CachedTokens == 0);
        }
        catch (ArgumentOutOfRangeException ex) // a runner that does not pool
        {
            Fail(sequence, new MemServeException($"Request {sequence.Id}: the model runner returned no pooled hidden states.", ex));
            return;
        }
        if (sequence.PendingTokens > 0) return;
        _scheduler.Finish(sequence);
        _counters.OnCompleted();
        embedding.Complete();
    }

    // The logits with the sequence's output constraint applied: in place, or (keepRaw, when logprobs or forking choices
    // still read the model's own distribution) in a scratch row.
    private Span<float> Constrain(Sequence sequence, ConstraintMatcher constraint, Span<float> raw, bool keepRaw)
    {
        if (keepRaw) return ConstrainedCopy(sequence, constraint, raw);
        ConstrainedLogits.Apply(sequence, constraint, raw);
        return raw;
    }

    private Span<float> ConstrainedCopy(Sequence sequence, ConstraintMatcher constraint, ReadOnlySpan<float> raw)
    {
        Span<float> logits = _constrained ??= new float[raw.Length];
        raw.CopyTo(logits);
        ConstrainedLogits.Apply(sequence, constraint, logits);
        return logits;
    }

    // Choice 0 of an N > 1 request has computed its prompt: the other choices fork from it (sharing its full prompt
    // blocks) and sample their first token from the same logits, each with its own generator. Runs before choice 0
    // appends its token, so the blocks are still all prompt.
    private void ForkChoices(Sequence parent, ChoiceGroup group, ReadOnlySpan<float> logits, long now)
    {
        group.Forked = true;
        for (int c = group.Choices.Length - 1; c >= 1; c--) _scheduler.Fork(parent, group.Choices[c]);
        for (int c = 1; c < group.Choices.Length; c++)
        {
            Sequence child = group.Choices[c];
            ReadOnlySpan<float> childLogits = child.Constraint is { } constraint ? ConstrainedCopy(child, constraint, logits) : logits;
            int token = _sampler.Sample(childLogits, child.Sampling, child.LogitBias, ref child.Rng, child.Tokens, child.PromptTokens);
            TokenLogprobs? logprobs = child.Logprobs is { } top ? _logprobs.Compute(logits, token, top) : null;
            GenerationUpdate update = SequenceOutput.Accept(child, token, now, _time, logprobs);
            if (update.IsFinal)
            {
                _scheduler.Finish(child);
                _counters.OnCompleted();
            }
            child.Publish(update);
        }
    }

    // Tokens the step will sample: one per sequence that needs logits, plus the first tokens of choices forking in it.
    private static int CountSampled(StepBatch batch)
    {
        int count = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            if (!batch.Forward.Sequences[i].NeedsLogits || batch[i].IsAbandoned) continue;
            count += batch[i].Group is { Forked: false } group ? group.Choices.Length : 1; // forks sample their first token too
        }
        return count;
    }

    // A prefill-only request computed its prompt and sampled its first token: the caller gets the token and a
    // hold on the prompt's blocks; the sequence itself ends here.
    private void HandOff(Sequence sequence, PrefillHandoff handoff, int token, TokenLogprobs? logprobs, long now)
    {
        KvHold hold = _scheduler.HandOff(sequence);
        _counters.OnCompleted();
        var output = new PrefillOutput(token, Math.Max(0, sequence.CachedPromptTokens), hold, sequence.Rng.SaveState(),
            _time.GetElapsedTime(sequence.FirstScheduledAt, now), logprobs);
        if (!handoff.Complete(output)) _scheduler.Release(hold); // the caller already gave up
    }

    // A failing choice fails its whole request: every other live choice is removed too.
    private void Fail(Sequence sequence, Exception error)
    {
        foreach (Sequence choice in Choices(sequence))
        {
            if (choice.Status == SequenceStatus.Finished) continue;
            _counters.OnFailed(); // counted before the removal shows in the stats
            _scheduler.Remove(choice);
        }
        EngineLog.RequestFailed(_logger, error, sequence.Id);
        sequence.Fail(error);
    }

    private void EndCancelled(Sequence sequence)
    {
        foreach (Sequence choice in Choices(sequence))
        {
            if (choice.Status == SequenceStatus.Finished) continue;
            _counters.OnCancelled(); // counted before the removal shows in the stats
            _scheduler.Remove(choice);
        }
        EngineLog.RequestCancelled(_logger, sequence.Id);
        sequence.Fail(new OperationCanceledException("The request was cancelled by its caller."));
    }

    // The request's sequences: its choices, or the sequence alone (cold paths only: this may allocate).
    private static Sequence[] Choices(Sequence sequence) => sequence.Group?.Choices ?? [sequence];

    // True while any choice of the request is in the scheduler.
    private static bool IsScheduled(Sequence sequence)
    {
        foreach (Sequence choice in Choices(sequence))
        {
            if (choice.Status is SequenceStatus.Waiting or SequenceStatus.Running) return true;
        }
        return false;
    }

    // Ends every running and waiting request (and, when stopping, the queued ones) with a fresh error
    // each; returns how many there were.
    private int EndEverything(bool includeQueued, Func<Exception> error)
    {
        var ended = new List<Sequence>();
        _scheduler.RemoveAll(ended);
        while (includeQueued && _admissions.TryRead(out Sequence? queued))
        {
            queued.Status = SequenceStatus.Finished;
            ended.Add(queued);
        }
        foreach (Sequence sequence in ended)
        {
            Exception exception = error();
            if (exception is ObjectDisposedException) _counters.OnCancelled();
            else _counters.OnFailed();
            sequence.Fail(exception);
        }
        return ended.Count;
    }
}
