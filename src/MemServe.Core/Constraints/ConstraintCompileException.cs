namespace MemServe.Constraints;

/// <summary>
/// A JSON Schema or GBNF grammar cannot be compiled into an <see cref="OutputConstraint"/>. The message names the
/// schema keyword and its JSON path (<c>$.properties.age: keyword 'minimum' is not supported</c>) or the grammar's
/// line:column. Derives from <see cref="InvalidRequestException"/>, so the HTTP layer answers 400.
/// </summary>
public sealed class ConstraintCompileException : InvalidRequestException
{
    /// <summary>Creates the exception with a message and no location.</summary>
    public ConstraintCompileException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ConstraintCompileException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public ConstraintCompileException() { }

    private ConstraintCompileException(string message, string? keyword, string? path, int line, int column) : base(message)
    {
        Keyword = keyword;
        Path = path;
        Line = line;
        Column = column;
    }

    /// <summary>The JSON Schema keyword at fault, when the error is in a schema.</summary>
    public string? Keyword { get; }

    /// <summary>The JSON path (<c>$.properties.age</c>) of the schema object at fault, when the error is in a schema.</summary>
    public string? Path { get; }

    /// <summary>1-based grammar line of the error, or 0 when the error is in a schema or not tied to a position.</summary>
    public int Line { get; }

    /// <summary>1-based grammar column of the error, or 0 when the error is in a schema or not tied to a position.</summary>
    public int Column { get; }

    internal static ConstraintCompileException Schema(string path, string keyword, string problem) =>
        new($"{path}: keyword '{keyword}' {problem}", keyword, path, 0, 0);

    internal static ConstraintCompileException Grammar(int line, int column, string problem) =>
        new($"grammar {line}:{column}: {problem}", null, null, line, column);
}
