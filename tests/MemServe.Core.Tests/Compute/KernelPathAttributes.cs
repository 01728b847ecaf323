using System.Runtime.Intrinsics.X86;
using MemServe.Compute;

namespace MemServe.Core.Tests.Compute;

/// <summary>Why a test of <paramref name="path"/>'s kernels cannot run here, or null when it can.</summary>
internal static class KernelPathSkip
{
    public static string? Reason(CpuKernelPath path) => CpuKernels.Supports(path)
        ? null
        : $"this CPU (or the runtime's DOTNET_Enable* switches) lacks the {CpuKernels.NameOf(path)} kernels; best path here: {CpuKernels.NameOf(CpuKernels.Best)}";
}

/// <summary>A fact about one kernel path's kernels: skipped, with the reason, where the CPU lacks that path.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelPathFactAttribute : FactAttribute
{
    public KernelPathFactAttribute(CpuKernelPath path)
    {
        Skip = KernelPathSkip.Reason(path);
    }
}

/// <summary>A theory about one kernel path's kernels: skipped, with the reason, where the CPU lacks that path.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelPathTheoryAttribute : TheoryAttribute
{
    public KernelPathTheoryAttribute(CpuKernelPath path)
    {
        Skip = KernelPathSkip.Reason(path);
    }
}

/// <summary>A theory about the AVX-VNNI int8 kernels (256-bit <c>vpdpbusd</c>): skipped, with the reason, where .NET
/// reports no <see cref="AvxVnni"/> (AVX-512 VNNI alone, as on Zen 4, does not count: .NET 10 has no 512-bit VNNI class)
/// or the AVX2 path is not allowed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class VnniTheoryAttribute : TheoryAttribute
{
    public VnniTheoryAttribute()
    {
        Skip = KernelPathSkip.Reason(CpuKernelPath.Avx2)
            ?? (AvxVnni.IsSupported ? null : "this CPU (as .NET sees it) has no AVX-VNNI (AvxVnni.IsSupported is false): the vpdpbusd kernels cannot run");
    }
}
