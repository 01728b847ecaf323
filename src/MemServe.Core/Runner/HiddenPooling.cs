namespace MemServe.Runner;

/// <summary>
/// What a forward step copies out of the final hidden states (after the model's final RMSNorm) for one sequence
/// of the batch, for embeddings (<see cref="ForwardOutput.Pooled"/>). Only a step whose layer range ends at the
/// last layer pools; the LM head never runs for a pooled sequence unless it also asks for logits.
/// </summary>
public enum HiddenPooling : byte
{
    /// <summary>Nothing is pooled (a generating sequence).</summary>
    None = 0,

    /// <summary>The normed hidden state of the sequence's last new token.</summary>
    LastToken = 1,

    /// <summary>The sum of the normed hidden states of all the sequence's new tokens (the caller divides by the
    /// token count over all chunks for a mean).</summary>
    Sum = 2,
}
