namespace MemServe.Cluster;

/// <summary>Priors and constants of the <see cref="CostModel"/>. The priors are what the model predicts before
/// an instance or link has been measured; each is worth <see cref="PriorWeight"/> observations.</summary>
public sealed class CostModelOptions
{
    /// <summary>KV bytes per token (layers × 2 × kv heads × head dim × element size); converts a prefix to
    /// transfer bytes. Default 64 KiB (a 7B-class model at FP16 is ~0.5 MiB; our tiny CPU models far less).</summary>
    public long KvBytesPerToken { get; init; } = 64 << 10;

    /// <summary>Prior fixed cost of one prefill (scheduling, embedding, head). Default 2 ms.</summary>
    public TimeSpan PriorPrefillOverhead { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Prior linear prefill speed (GEMMs). Default 2,000 tokens/s.</summary>
    public double PriorPrefillTokensPerSecond { get; init; } = 2_000;

    /// <summary>Prior cost of one attention pair (a new token attending to one earlier token). Default 10 ns.</summary>
    public double PriorSecondsPerAttentionPair { get; init; } = 10e-9;

    /// <summary>Prior link latency. Default 200 µs (loopback/LAN TCP).</summary>
    public TimeSpan PriorTransferLatency { get; init; } = TimeSpan.FromMilliseconds(0.2);

    /// <summary>Prior link bandwidth in bytes/s. Default 1 GB/s.</summary>
    public double PriorBandwidthBytesPerSecond { get; init; } = 1e9;

    /// <summary>How many observations each prior is worth. Default 2.</summary>
    public double PriorWeight { get; init; } = 2;

    /// <summary>Weight kept by old observations at each new one (1 = never forget). Default 0.99 (follows
    /// drift over roughly the last hundred observations).</summary>
    public double Forgetting { get; init; } = 0.99;
}
