using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Tokenization;

namespace MemServe.Extensions.Tools;

/// <summary>
/// A stand-in for a model that calls tools: a random-weight model cannot be made to write a call, so this engine
/// answers each request with the next scripted output (streamed in small pieces, then a final update with usage
/// counted by the real tokenizer) and records the prompts it was given. Everything around it (templates, parsing,
/// HTTP, M.E.AI) is real. Thread-safe for sequential requests.
/// </summary>
internal sealed class ScriptedEngine(params string[] outputs) : ILlmEngine
{
    private readonly Queue<string> _outputs = new(outputs);

    /// <summary>The rendered prompts of the requests so far, in order.</summary>
    public List<string> Prompts { get; } = [];

    public ModelInfo ModelInfo { get; } = new(DefaultModel.Name, DefaultModel.Config, 0, DType.BF16, 0);

    public ITokenizer Tokenizer => ToolTestData.Tokenizer;

    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string prompt = request.Prompt ?? throw new ArgumentException("a prompt is required", nameof(request));
        string output;
        lock (_outputs)
        {
            Prompts.Add(prompt);
            output = _outputs.Dequeue();
        }
        await Task.Yield();
        int outputTokens = Tokenizer.Encode(output).Length;
        const int piece = 3;
        for (int i = 0; i + piece < output.Length; i += piece)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new GenerationUpdate(0, output.Substring(i, piece));
        }
        int last = output.Length == 0 ? 0 : (output.Length - 1) / piece * piece;
        yield return new GenerationUpdate(0, output[last..])
        {
            FinishReason = FinishReason.Stop,
            Usage = new GenerationUsage(Tokenizer.Encode(prompt).Length, 0, outputTokens),
        };
    }

    public async Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the scripted engine only streams");

    public EngineStats GetStats() => throw new NotSupportedException("the scripted engine has no stats");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
