using System.Collections.Concurrent;
using System.Threading.Channels;
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
    private readonly ChannelReader<Sequence> _admissions;
    private readonly ConcurrentQueue<Sequence> _abandoned = new();
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
            int ended = EndEverything(includeQueued: true, static () => new ObjectDisposedException(nameof(LlmEngine),
                "The engine was disposed while this request was in flight."));
            EngineLog.EngineStopped(_logger, ended);
            _exited.TrySetResult();
        }
    }

    private void Step()
    {
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
        if (_scheduler.HasWork || _admissions.Count > 0) return true;
        try
        {
            return _admissions.WaitToReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult();
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

    private void ReapAbandoned()
    {
        while (_abandoned.TryDequeue(out Sequence? sequence))
        {
            // Still in the channel: AdmitQueued drops it when it gets there.
            if (sequence.Status is SequenceStatus.Waiting or SequenceStatus.Running) EndCancelled(sequence);
        }
    }

    private ForwardOutput? RunModel(StepBatch batch)
    {
        try
        {
            return _runner.Forward(batch.Forward, _layers);
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
            if (!part.NeedsLogits || sequence.IsAbandoned) continue;
            try
            {
                int token = _sampler.Sample(output.Logits(i), sequence.Sampling, ref sequence.Rng,
                    sequence.Tokens, sequence.PromptTokens);
                GenerationUpdate update = SequenceOutput.Accept(sequence, token, now, _time);
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

    // Sequences of the step that will sample a token.
    private static int CountSampled(StepBatch batch)
    {
        int count = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Forward.Sequences[i].NeedsLogits && !batch[i].IsAbandoned) count++;
        }
        return count;
    }

    private void Fail(Sequence sequence, Exception error)
    {
        _scheduler.Remove(sequence);
        _counters.OnFailed();
        EngineLog.RequestFailed(_logger, error, sequence.Id);
        sequence.Fail(error);
    }

    private void EndCancelled(Sequence sequence)
    {
        _scheduler.Remove(sequence);
        _counters.OnCancelled();
        EngineLog.RequestCancelled(_logger, sequence.Id);
        sequence.Fail(new OperationCanceledException("The request was cancelled by its caller."));
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
