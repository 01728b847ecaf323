namespace MemServe.Model;

/// <summary>How rotary position embedding frequencies are rescaled (config.json <c>rope_scaling</c>).</summary>
public enum RopeScalingKind
{
    /// <summary>No scaling: inv_freq = 1 / theta^(2i/d).</summary>
    None,
    /// <summary>Positions divided by <see cref="RopeScaling.Factor"/> (Hugging Face "linear").</summary>
    Linear,
    /// <summary>Llama 3.1 frequency-dependent scaling (Hugging Face "llama3").</summary>
    Llama3,
}

/// <summary>The <c>rope_scaling</c> block of config.json.</summary>
/// <param name="Kind">Which scaling rule applies.</param>
/// <param name="Factor">Scale factor (linear and llama3).</param>
/// <param name="LowFreqFactor">llama3 only: low_freq_factor.</param>
/// <param name="HighFreqFactor">llama3 only: high_freq_factor.</param>
/// <param name="OriginalMaxPositionEmbeddings">llama3 only: original_max_position_embeddings.</param>
public sealed record RopeScaling(
    RopeScalingKind Kind,
    double Factor = 1.0,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192)
{
    /// <summary>No scaling.</summary>
    public static RopeScaling None { get; } = new(RopeScalingKind.None);
}
