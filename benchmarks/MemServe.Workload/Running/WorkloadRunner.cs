using System.Collections.Concurrent;
using System.Diagnostics;
using MemServe.Engine;
using MemServe.Sampling;
using MemServe.Workload.Scripts;

namespace MemServe.Workload.Running;

/// <summary>
/// Drives a <see cref="WorkloadScript"/> against an <see cref="ILlmEngine"/> in real time: each session runs as
/// its own task, starts at its arrival time, and submits turn k+1 only after turn k finished plus its think
/// time (and not before the turn's own arrival, for traces). Prompts of sessions that carry history are the
/// previous prompt + the engine's answer + the new tokens. Greedy sampling, EOS ignored, so a run is
/// deterministic in tokens (not in timing).
/// </summary>
internal static class WorkloadRunner
{
    /// <summary>Runs <paramref name="workload"/> to the end, or until <paramref name="timeLimit"/>.</summary>
    /// <param name="engine">The engine or cluster under test; used concurrently by every session.</param>
    /// <param name="workload">What to send.</param>
    /// <param name="contextTokens">The engine's context: a turn whose prompt plus output would not fit is skipped and ends its session.</param>
    /// <param name="timeLimit">Wall-clock limit of the run; sessions still going are cancelled and the run is marked timed out.</param>
    public static async Task<RunResult> RunAsync(ILlmEngine engine, WorkloadScript workload, int contextTokens, TimeSpan timeLimit)
    {
        var records = new ConcurrentQueue<RequestRecord>();
        var counters = new Counters();
        using var limit = new CancellationTokenSource(timeLimit);
        var clock = Stopwatch.StartNew();
        var tasks = new Task[workload.Sessions.Count];
        for (int s = 0; s < tasks.Length; s++)
            tasks[s] = RunSessionAsync(engine, workload.Sessions[s], contextTokens, clock, records, counters, limit.Token);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        TimeSpan makespan = clock.Elapsed;
        return new RunResult([.. records], makespan, counters.Failed, counters.Skipped, limit.IsCancellationRequested);
    }

    private static async Task RunSessionAsync(ILlmEngine engine, SessionScript session, int contextTokens, Stopwatch clock,
        ConcurrentQueue<RequestRecord> records, Counters counters, CancellationToken cancellationToken)
    {
        var history = new List<int>();
        TimeSpan ready = session.Start;
        try
        {
            for (int t = 0; t < session.Turns.Count; t++)
            {
                TurnScript turn = session.Turns[t];
                TimeSpan due = ready + turn.ThinkTime;
                if (turn.NotBefore is { } notBefore && notBefore > due) due = notBefore;
                TimeSpan wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);

                int[] prompt = session.CarriesHistory ? [.. history, .. turn.NewTokens] : turn.NewTokens;
                if (prompt.Length + turn.OutputTokens > contextTokens)
                {
                    Interlocked.Increment(ref counters.Skipped);
                    return;
                }
                var request = new GenerationRequest
                {
                    PromptTokenIds = prompt,
                    MaxTokens = turn.OutputTokens,
                    IgnoreEos = true,
                    Sampling = SamplingParameters.Greedy,
                    SessionId = session.Id,
                };
                (RequestRecord record, List<int> answer) = await SendAsync(engine, request, session.Id, t, clock, cancellationToken).ConfigureAwait(false);
                records.Enqueue(record);
                if (session.CarriesHistory)
                {
                    history.Clear();
                    history.AddRange(prompt);
                    history.AddRange(answer);
                }
                ready = clock.Elapsed;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run's time limit: the caller reports the run as timed out.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Increment(ref counters.Failed);
            Console.Error.WriteLine($"session {session.Id}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static async Task<(RequestRecord, List<int>)> SendAsync(ILlmEngine engine, GenerationRequest request,
        string sessionId, int turn, Stopwatch clock, CancellationToken cancellationToken)
    {
        var answer = new List<int>(request.MaxTokens);
        TimeSpan submitted = clock.Elapsed;
        TimeSpan? firstToken = null;
        GenerationUpdate? final = null;
        await foreach (GenerationUpdate update in engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            firstToken ??= clock.Elapsed - submitted;
            answer.Add(update.TokenId);
            if (update.IsFinal) final = update;
        }
        TimeSpan completion = clock.Elapsed - submitted;
        GenerationUsage usage = final?.Usage ?? new GenerationUsage(request.PromptTokenIds!.Count, 0, answer.Count);
        int decodeKept = 0;
        foreach (InstanceUsage instance in usage.Instances)
            if (instance.Role == "decode") decodeKept += instance.CachedPromptTokens;
        var record = new RequestRecord(sessionId, turn, submitted, usage.PromptTokens, usage.CachedPromptTokens,
            usage.OutputTokens, firstToken ?? completion, completion, final?.Timings?.QueueTime ?? TimeSpan.Zero, decodeKept);
        return (record, answer);
    }

    private sealed class Counters
    {
        public int Failed;
        public int Skipped;
    }
}
