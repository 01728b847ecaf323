namespace MemServe.Chat;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a construct outside the supported Jinja subset,
/// an unknown filter or test, a runtime type error, or a message the template raised with <c>raise_exception</c>.
/// The message names what is wrong and, where known, the line and column in the template.
/// </summary>
public class ChatTemplateException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public ChatTemplateException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ChatTemplateException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public ChatTemplateException() { }

    /// <summary>Creates the exception for a problem at a 1-based <paramref name="line"/> and <paramref name="column"/> of the template.</summary>
    public ChatTemplateException(string message, int line, int column)
        : base($"{message} (template line {line}, column {column})")
    {
        Line = line;
        Column = column;
    }

    /// <summary>The 1-based template line of the problem, or null when unknown.</summary>
    public int? Line { get; }

    /// <summary>The 1-based template column of the problem, or null when unknown.</summary>
    public int? Column { get; }

    /// <summary>
    /// True when the template itself called <c>raise_exception(message)</c> (for example on bad role alternation);
    /// <see cref="Exception.Message"/> is then the template's message verbatim, suitable to show to the caller of a chat API.
    /// </summary>
    public bool RaisedByTemplate { get; init; }
}
