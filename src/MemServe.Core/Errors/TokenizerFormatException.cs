namespace MemServe;

/// <summary>tokenizer.json is missing, malformed, or of an unsupported kind; the message names the field.</summary>
public class TokenizerFormatException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public TokenizerFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public TokenizerFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public TokenizerFormatException() { }
}
