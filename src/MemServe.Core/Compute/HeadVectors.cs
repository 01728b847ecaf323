using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Inlined SIMD primitives on short FP32 vectors (one attention head, 64–256 floats), where the
/// per-call overhead of span-based library calls would dominate.
/// </summary>
internal static unsafe class HeadVectors
{
    /// <summary>Σ a[i]·b[i] over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc);
            sum = Vector512.Sum(acc);
        }
        if (i + 8 <= n)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc);
            sum += Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y[i] += alpha · x[i] over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(float* y, float alpha, float* x, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> va = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, Vector512.Load(y + i)).Store(y + i);
        }
        Vector256<float> vb = Vector256.Create(alpha);
        for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + i), vb, Vector256.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += alpha * x[i];
    }
}
