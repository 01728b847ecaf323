namespace MemServe.Engine;

/// <summary>
/// Log-probabilities of one generated token under the model's raw distribution: <c>log_softmax</c> of the
/// logits exactly as the model produced them, before logit bias, penalties, temperature, top-k/top-p/min-p
/// and any mask (vLLM's default "raw_logprobs"). So the chosen token's log-probability does not depend on
/// the sampling settings, and a token the settings made impossible can still show a finite value. Immutable.
/// </summary>
/// <param name="Logprob">Natural log of the chosen token's probability (≤ 0).</param>
/// <param name="Top">The <see cref="GenerationRequest.Logprobs"/> most likely tokens, most likely first (lower id
/// first on ties); empty when 0 alternatives were asked for. The chosen token appears here only when it is
/// among them.</param>
public sealed record TokenLogprobs(float Logprob, IReadOnlyList<TopLogprob> Top);

/// <summary>One alternative of <see cref="TokenLogprobs.Top"/>: a token id and its raw log-probability.</summary>
public readonly record struct TopLogprob(int TokenId, float Logprob);
