namespace MemServe.Engine;

/// <summary>The engine's admission queue is full and the request asked not to wait
/// (<see cref="GenerationRequest.WaitForAdmission"/> false). Retry later or with waiting allowed.</summary>
public class EngineOverloadedException : MemServeException
{
    /// <summary>Creates the exception with a message that names the limit.</summary>
    public EngineOverloadedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public EngineOverloadedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public EngineOverloadedException() { }
}
