namespace MemServe;

/// <summary>A checkpoint tensor has a different shape than the configuration implies; the message gives expected and found shapes.</summary>
public class TensorShapeException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public TensorShapeException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public TensorShapeException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public TensorShapeException() { }
}
