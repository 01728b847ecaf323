namespace MemServe.Sampling;

/// <summary>
/// Logit penalties applied in place before temperature. Both methods take a vocab-sized scratch span
/// that must be all zeros on entry and is all zeros again on return, so one scratch array serves every
/// request of an engine without clearing. Allocation-free.
/// </summary>
public static class LogitPenalties
{
    /// <summary>
    /// Hugging Face repetition penalty: for every distinct token in <paramref name="context"/> (prompt and
    /// output), a positive logit is divided by <paramref name="penalty"/> and a negative one multiplied.
    /// </summary>
    public static void ApplyRepetition(Span<float> logits, ReadOnlySpan<int> context, float penalty, Span<int> scratch)
    {
        if (penalty == 1f) return;
        foreach (int token in context)
        {
            if (scratch[token] != 0) continue;
            scratch[token] = 1;
            float logit = logits[token];
            logits[token] = logit > 0 ? logit / penalty : logit * penalty;
        }
        foreach (int token in context) scratch[token] = 0;
    }

    /// <summary>
    /// OpenAI presence and frequency penalties over the generated tokens: a token generated c &gt; 0 times
    /// loses <c>c × frequency + presence</c> from its logit.
    /// </summary>
    public static void ApplyPresenceFrequency(
        Span<float> logits, ReadOnlySpan<int> generated, float presence, float frequency, Span<int> scratch)
    {
        if (presence == 0f && frequency == 0f) return;
        foreach (int token in generated) scratch[token]++;
        foreach (int token in generated)
        {
            int count = scratch[token];
            if (count == 0) continue; // already applied for this token
            logits[token] -= count * frequency + presence;
            scratch[token] = 0;
        }
    }
}
