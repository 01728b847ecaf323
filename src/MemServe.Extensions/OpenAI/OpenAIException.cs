namespace MemServe.Extensions.OpenAI;

/// <summary>A request the OpenAI endpoints answer with an error body; carries the HTTP status and the
/// error's <c>type</c>, <c>param</c> and <c>code</c>.</summary>
internal sealed class OpenAIException : Exception
{
    public OpenAIException(int statusCode, string message, string? param = null, string? code = null, string type = "invalid_request_error")
        : base(message)
    {
        StatusCode = statusCode;
        Param = param;
        Code = code;
        Type = type;
    }

    public OpenAIException()
    {
        StatusCode = 500;
        Type = "server_error";
    }

    public OpenAIException(string message) : this(400, message)
    {
    }

    public OpenAIException(string message, Exception innerException) : base(message, innerException)
    {
        StatusCode = 400;
        Type = "invalid_request_error";
    }

    public int StatusCode { get; }
    public string? Param { get; }
    public string? Code { get; }
    public string Type { get; }

    public static OpenAIException BadRequest(string message, string? param = null) => new(400, message, param);

    /// <summary>A 400 with code <c>unsupported_parameter</c> for a field this server does not implement (or a
    /// value of it that it does not); <paramref name="param"/> names the field.</summary>
    public static OpenAIException Unsupported(string param, string? message = null) =>
        new(400, message ?? $"'{param}' is not supported by this server; remove it from the request.", param, UnsupportedParameterCode);

    /// <summary>The <c>code</c> of a refused field.</summary>
    public const string UnsupportedParameterCode = "unsupported_parameter";

    /// <summary>The <c>code</c> of a prompt (plus completion) that does not fit the model's context.</summary>
    public const string ContextLengthExceededCode = "context_length_exceeded";
}
