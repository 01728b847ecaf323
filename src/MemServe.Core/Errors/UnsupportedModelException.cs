namespace MemServe;

/// <summary>The checkpoint's model_type or a configuration feature is not supported; the message names it.</summary>
public class UnsupportedModelException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public UnsupportedModelException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public UnsupportedModelException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public UnsupportedModelException() { }
}
