using System.Numerics.Tensors;

namespace MemServe.Compute;

/// <summary>Element-wise activations of the MLP.</summary>
internal static unsafe class Activations
{
    private const int Chunk = 256;

    /// <summary>SwiGLU in place: <c>gate[i] = silu(gate[i]) * up[i]</c>, with silu(g) = g · sigmoid(g).</summary>
    public static void SwiGlu(float* gate, float* up, int n)
    {
        Span<float> sig = stackalloc float[Chunk];
        for (int i = 0; i < n; i += Chunk)
        {
            int len = Math.Min(Chunk, n - i);
            var g = new Span<float>(gate + i, len);
            Span<float> s = sig[..len];
            TensorPrimitives.Sigmoid(g, s);
            TensorPrimitives.Multiply(g, s, g);
            TensorPrimitives.Multiply(g, new ReadOnlySpan<float>(up + i, len), g);
        }
    }

    /// <summary>SwiGLU over <paramref name="tokens"/> rows of width <paramref name="n"/>, split across the pool.</summary>
    public static void SwiGluRows(ComputeThreadPool pool, float* gate, float* up, int tokens, int n)
    {
        var args = new SwiGluArgs { Gate = gate, Up = up, Width = n };
        pool.Run(&SwiGluBody, &args, tokens, Math.Max(1, 4096 / Math.Max(1, n)));
    }

    private static void SwiGluBody(void* context, int begin, int end, int thread)
    {
        var a = (SwiGluArgs*)context;
        for (int t = begin; t < end; t++)
        {
            long o = (long)t * a->Width;
            SwiGlu(a->Gate + o, a->Up + o, a->Width);
        }
    }

    private struct SwiGluArgs
    {
        public float* Gate; // (tokens, Width)
        public float* Up;   // (tokens, Width)
        public int Width;
    }
}
