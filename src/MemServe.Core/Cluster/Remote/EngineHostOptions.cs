using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Settings of an <see cref="EngineHost"/>. Read once at start; every default is stated on its property.</summary>
public sealed record EngineHostOptions
{
    /// <summary>The instance id announced to clients. Default null: the listening endpoint ("127.0.0.1:PORT").</summary>
    public string? InstanceId { get; init; }

    /// <summary>The role announced to clients (a cluster routes by it). Default <see cref="InstanceRole.Colocated"/>.</summary>
    public InstanceRole Role { get; init; } = InstanceRole.Colocated;

    /// <summary>tokenizer.json text sent to clients so they need no local model. Default null (clients must
    /// bring their own tokenizer).</summary>
    public string? TokenizerJson { get; init; }

    /// <summary>tokenizer_config.json text sent with <see cref="TokenizerJson"/>. Default null.</summary>
    public string? TokenizerConfigJson { get; init; }

    /// <summary>TCP settings of accepted connections. Default: the transport's defaults.</summary>
    public TcpTransportOptions? Transport { get; init; }

    /// <summary>Requests that may run at once on one connection; more are answered with an overloaded error.
    /// Default 4096.</summary>
    public int MaxRequestsPerConnection { get; init; } = 4096;
}
