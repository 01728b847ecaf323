using System.Numerics.Tensors;

namespace MemServe.Compute;

/// <summary>RMSNorm in FP32, as Hugging Face's LlamaRMSNorm: <c>y = x / sqrt(mean(x²) + eps) * w</c>.</summary>
internal static unsafe class RmsNorm
{
    /// <summary>Normalises one row of <paramref name="n"/> floats; <paramref name="y"/> may equal <paramref name="x"/>.</summary>
    public static void Row(float* x, float* weight, float* y, int n, float eps)
    {
        var xs = new ReadOnlySpan<float>(x, n);
        var ys = new Span<float>(y, n);
        float meanSquare = TensorPrimitives.SumOfSquares(xs) / n;
        float scale = 1f / MathF.Sqrt(meanSquare + eps);
        TensorPrimitives.Multiply(xs, scale, ys);
        TensorPrimitives.Multiply(ys, new ReadOnlySpan<float>(weight, n), ys);
    }

    /// <summary>Normalises <paramref name="rows"/> rows of width <paramref name="n"/>, each with stride
    /// <paramref name="stride"/> in both input and output.</summary>
    public static void Rows(float* x, float* weight, float* y, int rows, int n, int stride, float eps)
    {
        for (int r = 0; r < rows; r++)
        {
            Row(x + (long)r * stride, weight, y + (long)r * stride, n, eps);
        }
    }
}
