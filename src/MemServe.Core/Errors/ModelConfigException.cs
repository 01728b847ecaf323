namespace MemServe;

/// <summary>config.json (or generation_config.json) is missing, malformed, or has an invalid field; the message names the file and field.</summary>
public class ModelConfigException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public ModelConfigException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ModelConfigException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public ModelConfigException() { }
}
