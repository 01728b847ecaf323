namespace MemServe.Engine;

/// <summary>
/// Turns a sampled token into the update the caller sees: appends it, decodes its text, applies stop
/// tokens, stop strings, the token limit and the context limit, and fills usage and timings on the
/// last update. Engine thread only.
/// </summary>
internal static class SequenceOutput
{
    /// <summary>Appends <paramref name="token"/> to <paramref name="sequence"/> and builds its update;
    /// the update is final (<see cref="GenerationUpdate.IsFinal"/>) when the sequence is done. It carries
    /// <paramref name="logprobs"/> (null when the request did not ask for them).</summary>
    public static GenerationUpdate Accept(Sequence sequence, int token, long now, TimeProvider time, TokenLogprobs? logprobs = null)
    {
        sequence.Append(token);
        if (sequence.FirstTokenAt == 0) sequence.FirstTokenAt = now;

        FinishReason? reason = null;
        string delta;
        if (Array.IndexOf(sequence.StopTokenIds, token) >= 0)
        {
            // A stop token ends the output; its own text is not part of it.
            reason = FinishReason.Stop;
            delta = FlushText(sequence, ref reason);
        }
        else
        {
            sequence.Constraint?.Accept(token);
            string piece = sequence.Detokenizer.Append(token);
            delta = sequence.StopFilter is { } filter ? filter.Push(piece) : piece;
            if (sequence.StopFilter is { Stopped: true }) reason = FinishReason.Stop;
            else if (sequence.Constraint is { MustEnd: true })
            {
                // The grammar is complete and nothing may follow: the output ends as if EOS had been sampled.
                reason = FinishReason.Stop;
                delta += FlushText(sequence, ref reason);
            }
            else if (sequence.OutputTokens >= sequence.MaxTokens || sequence.Count >= sequence.ContextLimit)
            {
                reason = FinishReason.Length;
                delta += FlushText(sequence, ref reason);
            }
        }

        if (reason is null) return new GenerationUpdate(token, delta) { Logprobs = logprobs, ChoiceIndex = sequence.ChoiceIndex };
        return new GenerationUpdate(token, delta)
        {
            Logprobs = logprobs,
            ChoiceIndex = sequence.ChoiceIndex,
            FinishReason = reason,
            Usage = new GenerationUsage(sequence.PromptTokens, Math.Max(0, sequence.CachedPromptTokens), sequence.OutputTokens),
            Timings = new GenerationTimings(
                time.GetElapsedTime(sequence.SubmittedAt, sequence.FirstScheduledAt),
                time.GetElapsedTime(sequence.SubmittedAt, sequence.FirstTokenAt),
                time.GetElapsedTime(sequence.SubmittedAt, now)),
        };
    }

    // Text still held by the detokenizer and the stop filter; the held bytes can still complete a stop string.
    private static string FlushText(Sequence sequence, ref FinishReason? reason)
    {
        string tail = sequence.Detokenizer.Flush();
        if (sequence.StopFilter is not { } filter) return tail;
        string text = filter.Push(tail);
        if (filter.Stopped)
        {
            reason = FinishReason.Stop;
            return text;
        }
        return text + filter.Flush();
    }
}
