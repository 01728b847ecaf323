namespace MemServe;

/// <summary>A generation request is invalid: empty prompt, token id outside the vocabulary, prompt longer than the context, invalid sampling parameter; the message names the field.</summary>
public class InvalidRequestException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public InvalidRequestException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public InvalidRequestException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public InvalidRequestException() { }
}
