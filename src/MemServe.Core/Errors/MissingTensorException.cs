namespace MemServe;

/// <summary>A tensor the architecture needs is absent from the checkpoint; the message names the expected tensor.</summary>
public class MissingTensorException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public MissingTensorException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public MissingTensorException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public MissingTensorException() { }
}
