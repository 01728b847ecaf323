namespace MemServe.Cluster;

/// <summary>A proposal to move cached KV to the chosen instance instead of recomputing it (MemServe's rule:
/// only when <see cref="TransferTime"/> ≤ <see cref="PrefillSaved"/>).</summary>
/// <param name="SourceInstanceId">The instance holding the longer prefix.</param>
/// <param name="FromToken">First prompt token to move (what the target already holds).</param>
/// <param name="ToToken">End of the moved range (the source's matched tokens).</param>
/// <param name="TransferTime">Predicted transfer time.</param>
/// <param name="PrefillSaved">Predicted prefill time saved on the target.</param>
public sealed record KvMovePlan(string SourceInstanceId, int FromToken, int ToToken, TimeSpan TransferTime, TimeSpan PrefillSaved);
