namespace MemServe.Compute;

/// <summary>A switch for interleaved A/B benchmarks of a kernel or runner change in progress (false = A, the
/// committed default). Not for production use.</summary>
internal static class DecodeSwitch
{
    public static bool B { get; set; }
}
