namespace MemServe.Memory;

/// <summary>What a charge against a <see cref="MemoryBudget"/> pays for.</summary>
public enum MemoryCategory
{
    /// <summary>Model parameters (memory-mapped or converted copies).</summary>
    Weights,
    /// <summary>KV cache blocks.</summary>
    KvCache,
    /// <summary>Activations, logits and kernel workspaces.</summary>
    Scratch,
}
