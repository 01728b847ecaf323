namespace MemServe.Anchor;

/// <summary>One engine's figures from one round, named as <c>memserve bench --json</c> names them
/// (<c>prefill_tok_s</c>, <c>decode_tok_s</c>, <c>batched[].decode_tok_s</c>), with the 1-minute load average
/// read just before the round started.</summary>
internal sealed record BenchSample(
    string Engine,
    int Round,
    double LoadAverage1m,
    double PrefillTokS,
    double DecodeTokS,
    IReadOnlyList<(int Batch, double TokS)> Batched,
    long WeightsBytes,
    string KvDType,
    long PeakRssBytes);

/// <summary>What both sides measure: prefill of <see cref="PromptTokens"/> (logits for the last only), decode of
/// <see cref="GenTokens"/> one at a time from an empty cache, and for each of <see cref="Batches"/> that many
/// sequences of <see cref="BatchPromptTokens"/>-token prompts decoding <see cref="BatchGenTokens"/> tokens together
/// (total tok/s). <see cref="Runs"/> timed repetitions per round after one warm-up; the round reports their median.</summary>
internal sealed record BenchPlan(int Threads, int PromptTokens, int GenTokens, int[] Batches, int BatchPromptTokens, int BatchGenTokens, int Runs);
