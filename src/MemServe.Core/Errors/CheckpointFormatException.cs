namespace MemServe;

/// <summary>A safetensors file is truncated or corrupt (header past the end, overlapping or out-of-range offsets, unknown dtype, shape and byte length disagree); the message names the file and tensor.</summary>
public class CheckpointFormatException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public CheckpointFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public CheckpointFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public CheckpointFormatException() { }
}
