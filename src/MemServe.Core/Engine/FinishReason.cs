namespace MemServe.Engine;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token (EOS or a requested stop id) or a stop string was produced.</summary>
    Stop,
    /// <summary><see cref="GenerationRequest.MaxTokens"/> tokens were generated, or the context is full.</summary>
    Length,
}
