using MemServe.Tokenization;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Settings of a <see cref="RemoteEngine"/> client. Read once at connect; every default is stated on its property.</summary>
public sealed record RemoteEngineOptions
{
    /// <summary>The instance's id in errors, prompt trees and routing. Default null: the id the host announces
    /// (its listening endpoint unless the host was given another).</summary>
    public string? InstanceId { get; init; }

    /// <summary>TCP settings of the connection. Default: 3 connect attempts of at most 5 s each with the
    /// transport's backoff (an unreachable endpoint fails within about a second when refused).</summary>
    public TcpTransportOptions Transport { get; init; } = new() { ConnectAttempts = 3 };

    /// <summary>Longest the host may take to answer the hello after connecting. Default 10 s.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between health probes; <see cref="Timeout.InfiniteTimeSpan"/> turns periodic probes off
    /// (<see cref="RemoteEngine.ProbeAsync"/> still works). Default 1 s.</summary>
    public TimeSpan HealthProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest a probe (or a stats request) may wait for its answer before the instance counts as
    /// unhealthy. Default 2 s.</summary>
    public TimeSpan HealthProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The tokenizer to use when the host publishes none. Default null (then a host without a
    /// tokenizer is refused at connect).</summary>
    public ITokenizer? Tokenizer { get; init; }

    /// <summary>Clock of the probe timer. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Transport);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HelloTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HealthProbeTimeout, TimeSpan.Zero);
        if (HealthProbeInterval != Timeout.InfiniteTimeSpan)
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HealthProbeInterval, TimeSpan.Zero);
    }
}
