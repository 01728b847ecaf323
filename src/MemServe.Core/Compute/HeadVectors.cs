using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Inlined SIMD primitives on short FP32 vectors (one attention head, 64–256 floats), where the
/// per-call overhead of span-based library calls would dominate. Each runs in the registers of
/// <see cref="CpuKernels.Path"/> (512-bit, 256-bit with FMA, or portable <see cref="Vector128"/>), then one
/// element at a time for the tail; the path-taking overloads run a given path (tests).
/// </summary>
internal static unsafe class HeadVectors
{
    /// <summary>Σ a[i]·b[i] over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int n) => Dot(a, b, n, CpuKernels.Path);

    /// <summary><see cref="Dot(float*, float*, int)"/> on <paramref name="path"/>'s registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(float* a, float* b, int n, CpuKernelPath path) => path switch
    {
        CpuKernelPath.Avx512 => Dot512(a, b, n),
        CpuKernelPath.Avx2 => Dot256(a, b, n),
        _ => Dot128(a, b, n),
    };

    /// <summary>y[i] += alpha · x[i] over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(float* y, float alpha, float* x, int n) => MultiplyAdd(y, alpha, x, n, CpuKernels.Path);

    /// <summary><see cref="MultiplyAdd(float*, float, float*, int)"/> on <paramref name="path"/>'s registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MultiplyAdd(float* y, float alpha, float* x, int n, CpuKernelPath path)
    {
        if (path == CpuKernelPath.Avx512) MultiplyAdd512(y, alpha, x, n);
        else if (path == CpuKernelPath.Avx2) MultiplyAdd256(y, alpha, x, n);
        else MultiplyAdd128(y, alpha, x, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot512(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (n >= 16)
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot256(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (n >= 8)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (n >= 4)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4) acc = Vector128.MultiplyAddEstimate(Vector128.Load(a + i), Vector128.Load(b + i), acc);
            sum = Vector128.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd512(float* y, float alpha, float* x, int n)
    {
        int i = 0;
        Vector512<float> va = Vector512.Create(alpha);
        for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, Vector512.Load(y + i)).Store(y + i);
        Vector256<float> vb = Vector256.Create(alpha);
        for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + i), vb, Vector256.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd256(float* y, float alpha, float* x, int n)
    {
        int i = 0;
        Vector256<float> va = Vector256.Create(alpha);
        for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + i), va, Vector256.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd128(float* y, float alpha, float* x, int n)
    {
        int i = 0;
        Vector128<float> va = Vector128.Create(alpha);
        for (; i + 4 <= n; i += 4) Vector128.MultiplyAddEstimate(Vector128.Load(x + i), va, Vector128.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += alpha * x[i];
    }
}
