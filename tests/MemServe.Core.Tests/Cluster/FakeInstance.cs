using MemServe.Cluster;

namespace MemServe.Core.Tests.Cluster;

/// <summary>An instance whose health and reported load a test sets.</summary>
internal sealed class FakeInstance(string id, InstanceRole role = InstanceRole.Colocated) : IInstanceView
{
    public string Id { get; } = id;
    public InstanceRole Role { get; } = role;
    public bool IsHealthy { get; set; } = true;
    public InstanceLoad Load { get; set; } = InstanceLoad.Idle;
}

/// <summary>A Random whose Next(max) returns a chosen index (clamped), to test tie-breaking.</summary>
internal sealed class FixedRandom(int index) : Random
{
    public override int Next(int maxValue) => Math.Min(index, maxValue - 1);
}
