namespace MemServe.Sampling;

/// <summary>
/// How the next token is chosen from the logits. Immutable. The filters apply in this order, each on
/// the survivors of the previous one: logit bias, penalties, temperature, min-p, top-k, top-p; then one draw from
/// the remaining (renormalised) distribution with the request's own random generator.
/// </summary>
public sealed record SamplingParameters
{
    /// <summary>Defaults: temperature 1, no filters, no penalties, a random seed.</summary>
    public static SamplingParameters Default { get; } = new();

    /// <summary>Greedy decoding: always the most likely token (lowest id on ties).</summary>
    public static SamplingParameters Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Softmax temperature; 0 means greedy (argmax). Must be ≥ 0 and not NaN. Default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the <c>TopK</c> most likely tokens; 0 disables. Must be ≥ 0. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability mass reaches
    /// <c>TopP</c>; must be in (0, 1]; 1 disables. Default 1.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below <c>MinP</c> × the top token's probability; must
    /// be in [0, 1]; 0 disables. Default 0.</summary>
    public float MinP { get; init; }

    /// <summary>Hugging Face repetition penalty over every token of prompt and output: positive logits
    /// are divided by it, negative ones multiplied. Must be &gt; 0; 1 disables. Default 1.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI presence penalty: subtracted once from the logit of every token generated so far.
    /// Default 0.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI frequency penalty: subtracted from a token's logit once per time it was generated.
    /// Default 0.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Seed of the request's random generator. With a seed, a request samples the same tokens
    /// whether it runs alone or batched; null picks a random seed.</summary>
    public long? Seed { get; init; }

    /// <summary>OpenAI <c>logit_bias</c>: token id → value added to that token's logit before penalties,
    /// temperature and filters (greedy decoding included). Values must be finite and within
    /// ±<see cref="MaxLogitBias"/>; ids must be in the vocabulary. Null or empty: no bias. The map is read when
    /// the request is submitted; later changes to it are not seen.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Largest absolute <see cref="LogitBias"/> value (100, as the OpenAI API allows).</summary>
    public const float MaxLogitBias = 100f;

    /// <summary>True when sampling is greedy (<see cref="Temperature"/> is 0).</summary>
    public bool IsGreedy => Temperature == 0f;

    /// <summary>True when any of the penalties is active.</summary>
    public bool HasPenalties => RepetitionPenalty != 1f || PresencePenalty != 0f || FrequencyPenalty != 0f;
}
