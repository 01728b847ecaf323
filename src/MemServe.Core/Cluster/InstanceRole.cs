namespace MemServe.Cluster;

/// <summary>What an engine instance does in a cluster; each role has its own global prompt tree.</summary>
public enum InstanceRole
{
    /// <summary>Runs prefill and decode (no disaggregation).</summary>
    Colocated,

    /// <summary>Runs prefill only and hands KV to a decode instance.</summary>
    Prefill,

    /// <summary>Runs decode on KV it received.</summary>
    Decode,
}
