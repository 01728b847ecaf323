using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>
/// Drives a <see cref="CpuModelRunner"/> over its own KV storage for tests: each sequence id gets private
/// blocks handed out in order (deliberately interleaved between sequences), and the harness remembers how
/// many tokens of each sequence are cached. Disposes runner and storage (not the tensor source).
/// </summary>
public sealed class RunnerHarness : IDisposable
{
    private readonly Dictionary<int, (List<int> Blocks, int Cached)> _sequences = [];
    private int _nextBlock;

    public RunnerHarness(ModelConfig config, ITensorSource weights, CpuRunnerOptions? options = null, int blockCount = 64)
    {
        Runner = new CpuModelRunner(config, weights, options ?? new CpuRunnerOptions { Threads = 2, BlockTokens = 4 });
        Storage = new KvBlockStorage(Runner.KvLayout, blockCount, budget: null);
        Batch = new ForwardBatch(Storage);
    }

    public CpuModelRunner Runner { get; }
    public KvBlockStorage Storage { get; }
    public ForwardBatch Batch { get; }

    /// <summary>Appends <paramref name="tokens"/> of sequence <paramref name="sequence"/> to the batch (not yet run).</summary>
    public void Add(int sequence, int[] tokens, bool needsLogits = true)
    {
        if (!_sequences.TryGetValue(sequence, out var state)) state = ([], 0);
        int total = state.Cached + tokens.Length;
        while (state.Blocks.Count < Runner.KvLayout.BlocksFor(total)) state.Blocks.Add(_nextBlock++);
        Batch.Add(tokens, state.Cached, state.Blocks.ToArray(), needsLogits);
        _sequences[sequence] = (state.Blocks, total);
    }

    /// <summary>Runs the whole model for the queued batch and returns a copy of each sequence's logits (null without).</summary>
    public float[]?[] Run()
    {
        ForwardOutput output = Runner.Forward(Batch, LayerRange.All(Runner.Config.NumLayers));
        var result = new float[]?[Batch.SequenceCount];
        for (int i = 0; i < Batch.SequenceCount; i++)
        {
            if (Batch.Sequences[i].NeedsLogits) result[i] = output.Logits(i).ToArray();
        }
        Batch.Clear();
        return result;
    }

    /// <summary>Runs one sequence's tokens alone and returns its last-token logits.</summary>
    public float[] Step(int sequence, int[] tokens)
    {
        Add(sequence, tokens);
        return Run()[0]!;
    }

    public void Dispose()
    {
        Runner.Dispose();
        Storage.Dispose();
    }
}
