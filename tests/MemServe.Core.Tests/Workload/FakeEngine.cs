using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Tokenization;

namespace MemServe.Core.Tests.Workload;

/// <summary>
/// An engine that answers every request with tokens 1..MaxTokens after <see cref="Delay"/>, reports half the
/// prompt as cached, and records each prompt with its start and end order. Only <see cref="GenerateAsync"/>
/// is implemented.
/// </summary>
internal sealed class FakeEngine : ILlmEngine
{
    private int _events;

    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>(prompt, start event, end event) of every request.</summary>
    public ConcurrentQueue<(int[] Prompt, int Started, int Finished)> Calls { get; } = new();

    public ModelInfo ModelInfo => throw new NotSupportedException();

    public ITokenizer Tokenizer => throw new NotSupportedException();

    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int started = Interlocked.Increment(ref _events);
        int[] prompt = [.. request.PromptTokenIds!];
        await Task.Delay(Delay, cancellationToken);
        for (int t = 1; t < request.MaxTokens; t++) yield return new GenerationUpdate(t, "");
        Calls.Enqueue((prompt, started, Interlocked.Increment(ref _events)));
        yield return new GenerationUpdate(request.MaxTokens, "")
        {
            FinishReason = FinishReason.Length,
            Usage = new GenerationUsage(prompt.Length, prompt.Length / 2, request.MaxTokens),
            Timings = new GenerationTimings(TimeSpan.Zero, Delay, Delay),
        };
    }

    public Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public EngineStats GetStats() => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
