using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MemServe.Extensions.OpenAI;

/// <summary>Writes OpenAI's error JSON: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAIErrors
{
    /// <summary>Answers with <paramref name="error"/>'s status and body (and <c>Retry-After</c> when given).</summary>
    public static async Task WriteAsync(HttpResponse response, OpenAIException error, int? retryAfterSeconds = null)
    {
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        if (retryAfterSeconds is { } seconds) response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            WriteBody(json, error);
        }
        await response.BodyWriter.FlushAsync(response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the error object itself.</summary>
    public static void WriteBody(Utf8JsonWriter json, OpenAIException error)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", error.Message);
        json.WriteString("type", error.Type);
        if (error.Param is null) json.WriteNull("param"); else json.WriteString("param", error.Param);
        if (error.Code is null) json.WriteNull("code"); else json.WriteString("code", error.Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
