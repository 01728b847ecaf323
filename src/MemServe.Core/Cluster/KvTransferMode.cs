namespace MemServe.Cluster;

/// <summary>How a PD strategy ships a prompt's KV from the prefill instance to the decode instance.</summary>
public enum KvTransferMode
{
    /// <summary>After the prefill, every layer of every block in one frame.</summary>
    Aggregated,

    /// <summary>The decode side allocates its blocks before the prefill; the prefill instance computes the step that
    /// completes the prompt in layer groups and sends each group's KV (one frame per group) while the later groups
    /// compute. The decode request starts once every layer landed.</summary>
    ByLayer,
}
