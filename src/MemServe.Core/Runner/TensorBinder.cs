using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// Looks tensors up by checkpoint name and checks their shapes, counting what was bound (matrix bytes
/// kept zero-copy, vector floats to widen). Used only while <see cref="LlamaWeights"/> is constructed.
/// </summary>
internal sealed class TensorBinder(ModelConfig config, ITensorSource source)
{
    private readonly HashSet<string> _matrices = new(StringComparer.Ordinal);

    // A name is found as spelled or, for a checkpoint of the bare decoder, without its "model." prefix.

    /// <summary>Bytes of distinct matrices bound so far.</summary>
    public long MatrixBytes { get; private set; }

    /// <summary>Distinct matrices bound so far.</summary>
    public int MatrixCount => _matrices.Count;

    /// <summary>FP32 floats needed for the vectors bound so far.</summary>
    public long VectorFloats { get; private set; }

    /// <summary>Binds a 2-D tensor of shape [rows, cols].</summary>
    public TensorRef Matrix(string name, int rows, int cols)
    {
        TensorRef t = Require(name, rows, cols);
        if (_matrices.Add(name)) MatrixBytes += t.ByteLength;
        return t;
    }

    /// <summary>Binds a 1-D tensor of <paramref name="length"/> elements.</summary>
    public TensorRef Vector(string name, int length)
    {
        TensorRef t = Require(name, length);
        VectorFloats += (length + 15) & ~15; // keep every vector 64-byte aligned
        return t;
    }

    private TensorRef Require(string name, params long[] shape)
    {
        if (!source.TryGetTensor(name, out TensorRef t) &&
            (LlamaTensorNames.BaseModelName(name) is not { } baseName || !source.TryGetTensor(baseName, out t)))
        {
            throw new MissingTensorException(
                $"Checkpoint lacks tensor '{name}', which a {config.ModelType} model with {config.NumLayers} layers needs.");
        }
        if (!SameShape(t.Shape, shape))
        {
            throw new TensorShapeException(
                $"Tensor '{name}' has shape {t.ShapeText}, expected [{string.Join(", ", shape)}] " +
                $"(hidden {config.HiddenSize}, heads {config.NumHeads}/{config.NumKvHeads}, head_dim {config.HeadDim}, " +
                $"ffn {config.IntermediateSize}, vocab {config.VocabSize}).");
        }
        if (t.ByteLength != t.ElementCount * t.DType.SizeInBytes())
        {
            throw new CheckpointFormatException(
                $"Tensor '{name}' holds {t.ByteLength} bytes, but {t.ShapeText} of {t.DType.SafetensorsName()} needs {t.ElementCount * t.DType.SizeInBytes()}.");
        }
        return t;
    }

    private static bool SameShape(long[] found, long[] expected)
    {
        if (found.Length != expected.Length) return false;
        for (int i = 0; i < found.Length; i++)
        {
            if (found[i] != expected[i]) return false;
        }
        return true;
    }
}
