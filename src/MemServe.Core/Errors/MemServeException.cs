namespace MemServe;

/// <summary>The base type of every error MemServe raises on purpose.</summary>
public class MemServeException : Exception
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public MemServeException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public MemServeException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public MemServeException() { }
}
