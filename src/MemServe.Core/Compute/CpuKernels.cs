using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>The CPU kernel sets, from the portable one to the widest.</summary>
public enum CpuKernelPath
{
    /// <summary><see cref="Vector128"/> kernels with no x86-specific instruction: any CPU .NET runs on (SSE on x86-64,
    /// AdvSimd on Arm64).</summary>
    Portable = 0,

    /// <summary>256-bit kernels for AVX2 + FMA (16 YMM registers): int8 through <c>vpmaddubsw</c>/<c>vpmaddwd</c>, or
    /// <c>vpdpbusd</c> where the CPU has AVX-VNNI.</summary>
    Avx2 = 1,

    /// <summary>512-bit kernels for AVX-512 F/BW (32 ZMM registers, masked stores).</summary>
    Avx512 = 2,
}

/// <summary>
/// The one place that decides which kernel set (<see cref="CpuKernelPath"/>) this process runs: every CPU kernel
/// (packing, matmul, GEMV, attention, norms, RoPE, sampling, quantization) follows <see cref="Path"/>. It is decided
/// once, at first use, from what the CPU and the .NET runtime offer (<see cref="Best"/>), lowered by the environment
/// variable <see cref="EnvironmentVariable"/> (<c>avx512</c>, <c>avx2</c> or <c>portable</c>) or by the runtime's own
/// switches (<c>DOTNET_EnableAVX512=0</c> leaves AVX2, <c>DOTNET_EnableAVX=0</c> leaves the portable path), so that
/// one machine can run every path it supports. A value naming a path the CPU lacks, or no path at all, is an error
/// that <see cref="Runner.CpuModelRunner"/> creation reports (<see cref="ThrowIfInvalid"/>); until then the best path runs.
/// </summary>
public static class CpuKernels
{
    /// <summary>The environment variable that forces a lower path: <c>avx512</c>, <c>avx2</c> or <c>portable</c>.</summary>
    public const string EnvironmentVariable = "MEMSERVE_CPU_PATH";

    static CpuKernels()
    {
        Best = Detect();
        Path = Best;
        Choose(Environment.GetEnvironmentVariable(EnvironmentVariable), out CpuKernelPath path, out bool forced, out string? error);
        Path = path;
        Forced = forced;
        Error = error;
    }

    private static void Choose(string? forced, out CpuKernelPath path, out bool isForced, out string? error)
    {
        path = Best;
        isForced = false;
        error = null;
        if (string.IsNullOrWhiteSpace(forced)) return;
        if (!TryParse(forced.Trim(), out CpuKernelPath asked))
        {
            error = $"{EnvironmentVariable}='{forced}' is not a CPU kernel path: use avx512, avx2 or portable.";
        }
        else if (asked > Best)
        {
            error = $"{EnvironmentVariable}='{forced}' asks for the {NameOf(asked)} kernels, which this CPU (or the runtime's "
                + $"DOTNET_Enable* switches) does not allow: the best path here is {NameOf(Best)} ({Features}).";
        }
        else
        {
            path = asked;
            isForced = true;
        }
    }

    /// <summary>The widest path this CPU and runtime allow.</summary>
    public static CpuKernelPath Best { get; }

    /// <summary>The path every kernel of this process runs. Read-only once this class is initialized (the runner and
    /// <see cref="MatMul"/> read it before any kernel runs), so the JIT folds the kernels' branches on it into constants.</summary>
    public static CpuKernelPath Path { get; }

    /// <summary>Whether <see cref="EnvironmentVariable"/> lowered the path below <see cref="Best"/>.</summary>
    public static bool Forced { get; }

    /// <summary>Why <see cref="EnvironmentVariable"/> could not be followed, or null.</summary>
    public static string? Error { get; }

    /// <summary>Whether this process can run <paramref name="path"/>'s kernels (tests of a path the CPU lacks skip).</summary>
    public static bool Supports(CpuKernelPath path) => path <= Best;

    /// <summary>Whether 256-bit int8 dot products run on <c>vpdpbusd</c> (AVX-VNNI) on the chosen path; otherwise the
    /// int8 kernels multiply through <c>vpmaddubsw</c>/<c>vpmaddwd</c> (AVX2) or widening 128-bit products (portable).</summary>
    public static bool Int8DotProduct => Int8DotProductOn(Path);

    /// <summary>Whether <paramref name="path"/>'s int8 kernels use 256-bit <c>vpdpbusd</c> on this CPU.</summary>
    public static bool Int8DotProductOn(CpuKernelPath path) => path >= CpuKernelPath.Avx2 && AvxVnni.IsSupported;

    /// <summary>The chosen path's short name: <c>avx512</c>, <c>avx2</c> or <c>portable</c> (bench's <c>"isa"</c>).</summary>
    public static string Name => NameOf(Path);

    /// <summary>The chosen path and the instructions it uses, for logs and <c>info</c>: e.g. <c>avx2 (fma, avx-vnni)</c>,
    /// with <c>forced by MEMSERVE_CPU_PATH</c> when lowered.</summary>
    public static string Description => $"{Name} ({Features}){(Forced ? $", forced by {EnvironmentVariable} (best: {NameOf(Best)})" : "")}";

    /// <summary>The instruction sets the chosen path uses.</summary>
    public static string Features => Path switch
    {
        CpuKernelPath.Avx512 => "avx512f, avx512bw, fma" + (AvxVnni.IsSupported ? ", avx-vnni" : ", int8 via vpmaddubsw"),
        CpuKernelPath.Avx2 => "avx2, fma" + (AvxVnni.IsSupported ? ", avx-vnni" : ", int8 via vpmaddubsw"),
        _ => Vector128.IsHardwareAccelerated ? "vector128" : "scalar",
    };

    /// <summary>The short name of <paramref name="path"/>.</summary>
    public static string NameOf(CpuKernelPath path) => path switch
    {
        CpuKernelPath.Avx512 => "avx512",
        CpuKernelPath.Avx2 => "avx2",
        _ => "portable",
    };

    /// <summary>Parses <c>avx512</c>, <c>avx2</c> or <c>portable</c> (any case).</summary>
    public static bool TryParse(string text, out CpuKernelPath path)
    {
        switch (text.ToLowerInvariant())
        {
            case "avx512": path = CpuKernelPath.Avx512; return true;
            case "avx2": path = CpuKernelPath.Avx2; return true;
            case "portable": path = CpuKernelPath.Portable; return true;
            default: path = CpuKernelPath.Portable; return false;
        }
    }

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> with <see cref="Error"/> when
    /// <see cref="EnvironmentVariable"/> could not be followed.</summary>
    public static void ThrowIfInvalid()
    {
        if (Error != null) throw new PlatformNotSupportedException(Error);
    }

    private static CpuKernelPath Detect()
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported && Fma.IsSupported) return CpuKernelPath.Avx512;
        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported) return CpuKernelPath.Avx2;
        return CpuKernelPath.Portable;
    }
}
