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
