using MemServe.Runner;

namespace MemServe.Engine;

/// <summary>
/// The embedding side of one <see cref="Sequence"/> (one input of an <see cref="EmbeddingRequest"/>): which final
/// hidden states each step pools, the running pool, and the task its caller awaits. The engine thread pools and
/// completes; the caller awaits <see cref="Task"/> and finishes the vector (<see cref="EmbeddingVectors"/>) on its
/// own thread.
/// </summary>
internal sealed class EmbeddingJob
{
    private readonly float[] _pooled; // (hidden): the last token's state, or the sum over the positions computed so far
    private readonly TaskCompletionSource<float[]> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EmbeddingJob(EmbeddingPooling pooling, int hiddenSize)
    {
        Pooling = pooling;
        _pooled = new float[hiddenSize];
    }

    public EmbeddingPooling Pooling { get; }

    /// <summary>Completes with the raw pool (last state or sum) once the whole input is computed.</summary>
    public Task<float[]> Task => _done.Task;

    /// <summary>What a step that computes a chunk of the input asks the runner for: every chunk's sum for a mean,
    /// the last token of the final chunk otherwise.</summary>
    public HiddenPooling RunnerPooling(bool finalChunk) => Pooling == EmbeddingPooling.Mean ? HiddenPooling.Sum
        : finalChunk ? HiddenPooling.LastToken : HiddenPooling.None;

    /// <summary>Adds a step's pooled row; <paramref name="fromStart"/> (a chunk at position 0: the first one, or the
    /// first after a preemption) starts the sum over. Engine thread.</summary>
    public void Accumulate(ReadOnlySpan<float> pooled, bool fromStart)
    {
        if (Pooling == EmbeddingPooling.LastToken || fromStart)
        {
            pooled.CopyTo(_pooled);
            return;
        }
        System.Numerics.Tensors.TensorPrimitives.Add(_pooled, pooled, _pooled);
    }

    /// <summary>Hands the raw pool to the caller. Engine thread, once the sequence's blocks are freed.</summary>
    public void Complete() => _done.TrySetResult(_pooled);

    /// <summary>Ends the job with <paramref name="error"/> (failure, cancellation, disposal). Any thread.</summary>
    public void Fail(Exception error) => _done.TrySetException(error);
}
