using System.Runtime.InteropServices;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.AspNetCore.Http;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// <c>POST /v1/embeddings</c>: reads OpenAI's body (<c>input</c> as a string, strings, token ids or lists of token ids;
/// <c>model</c>; <c>encoding_format</c> <c>float</c> or <c>base64</c>; <c>dimensions</c>; <c>user</c>, accepted and
/// unused) plus MemServe's <c>pooling</c> (<c>last_token</c> | <c>mean</c>), <c>normalize</c> and
/// <c>add_special_tokens</c>; any other field is refused with 400 <c>unsupported_parameter</c> naming it. Answers
/// OpenAI's list of embeddings with <c>usage</c>. Stateless.
/// </summary>
internal static class OpenAIEmbeddings
{
    public static async Task HandleAsync(HttpContext context, MemServeLoadedEngine loaded)
    {
        CancellationToken aborted = context.RequestAborted;
        using JsonDocument document = await ReadAsync(context).ConfigureAwait(false);
        (EmbeddingRequest request, bool base64) = Parse(document.RootElement, loaded.Engine);
        EmbeddingResult result;
        try
        {
            result = await loaded.Engine.EmbedAsync(request, aborted).ConfigureAwait(false);
        }
        catch (InvalidRequestException invalid)
        {
            // An input longer than the context gets vLLM's code, like the generation endpoints.
            string? code = invalid.Message.Contains("but the context holds", StringComparison.Ordinal) ? OpenAIException.ContextLengthExceededCode : null;
            throw new OpenAIException(400, invalid.Message, ParamOf(invalid.Message), code);
        }
        await WriteAsync(context.Response, result, loaded.Engine.ModelInfo.Name, base64, aborted).ConfigureAwait(false);
    }

    /// <summary>The engine request and whether vectors go out as base64; throws <see cref="OpenAIException"/> naming the field.</summary>
    internal static (EmbeddingRequest Request, bool Base64) Parse(JsonElement body, ILlmEngine engine)
    {
        if (body.ValueKind != JsonValueKind.Object) throw OpenAIException.BadRequest("The request body must be a JSON object.");
        var request = new EmbeddingRequest { WaitForAdmission = false };
        bool base64 = false, hasInput = false;
        foreach (JsonProperty field in body.EnumerateObject())
        {
            JsonElement value = field.Value;
            switch (field.Name)
            {
                case "input":
                    request = ParseInput(value, request);
                    hasInput = true;
                    break;
                case "model":
                    string? model = value.ValueKind == JsonValueKind.Null ? null : String(field);
                    if (!string.IsNullOrEmpty(model) && model != engine.ModelInfo.Name)
                        throw new OpenAIException(404, $"The model '{model}' does not exist; this server serves '{engine.ModelInfo.Name}'.",
                            param: "model", code: "model_not_found");
                    break;
                case "encoding_format":
                    base64 = value.ValueKind != JsonValueKind.Null && String(field) switch
                    {
                        "float" => false,
                        "base64" => true,
                        string other => throw OpenAIException.BadRequest($"encoding_format '{other}' is not supported; use 'float' or 'base64'.", "encoding_format"),
                    };
                    break;
                case "dimensions":
                    if (value.ValueKind != JsonValueKind.Null) request = request with { Dimensions = Int(field) };
                    break;
                case "pooling":
                    try { request = request with { Pooling = MemServeEmbeddingGenerator.ParsePooling(String(field)) }; }
                    catch (NotSupportedException ex) { throw OpenAIException.BadRequest(ex.Message, "pooling"); }
                    break;
                case "normalize":
                    request = request with { Normalize = Bool(field) };
                    break;
                case "add_special_tokens":
                    request = request with { AddSpecialTokens = Bool(field) };
                    break;
                case "user":
                    break;
                default:
                    throw new OpenAIException(400, $"Unsupported parameter: '{field.Name}' is not supported by /v1/embeddings.",
                        param: field.Name, code: "unsupported_parameter");
            }
        }
        if (!hasInput) throw OpenAIException.BadRequest("input is required.", "input");
        return (request, base64);
    }

    // string | string[] | int[] | int[][]
    private static EmbeddingRequest ParseInput(JsonElement input, EmbeddingRequest request)
    {
        if (input.ValueKind == JsonValueKind.String) return request with { Inputs = [input.GetString()!] };
        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
            throw OpenAIException.BadRequest("input must be a non-empty string, array of strings, array of token ids or array of token-id arrays.", "input");
        JsonValueKind kind = input[0].ValueKind;
        int count = input.GetArrayLength();
        if (kind == JsonValueKind.String)
        {
            var texts = new string[count];
            int i = 0;
            foreach (JsonElement item in input.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) throw MixedInput(i);
                texts[i++] = item.GetString()!;
            }
            return request with { Inputs = texts };
        }
        if (kind == JsonValueKind.Number) return request with { TokenInputs = [TokenIds(input, "input")] };
        if (kind == JsonValueKind.Array)
        {
            var lists = new IReadOnlyList<int>[count];
            int i = 0;
            foreach (JsonElement item in input.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Array) throw MixedInput(i);
                lists[i] = TokenIds(item, $"input[{i}]");
                i++;
            }
            return request with { TokenInputs = lists };
        }
        throw MixedInput(0);
    }

    private static int[] TokenIds(JsonElement array, string path)
    {
        var ids = new int[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]))
                throw OpenAIException.BadRequest($"{path}[{i}] must be an integer token id.", "input");
            i++;
        }
        return ids;
    }

    private static OpenAIException MixedInput(int index) => OpenAIException.BadRequest(
        $"input[{index}] does not match the array's first element: input must be all strings, all token ids or all token-id arrays.", "input");

    private static string String(JsonProperty field) => field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()!
        : throw OpenAIException.BadRequest($"{field.Name} must be a string.", field.Name);

    private static int Int(JsonProperty field) => field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out int value) ? value
        : throw OpenAIException.BadRequest($"{field.Name} must be an integer.", field.Name);

    private static bool Bool(JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw OpenAIException.BadRequest($"{field.Name} must be a boolean.", field.Name),
    };

    // The engine's messages start with the property at fault.
    private static string? ParamOf(string message) =>
        message.StartsWith("Inputs", StringComparison.Ordinal) || message.StartsWith("TokenInputs", StringComparison.Ordinal) ? "input"
        : message.StartsWith("Dimensions", StringComparison.Ordinal) ? "dimensions"
        : message.StartsWith("Pooling", StringComparison.Ordinal) ? "pooling"
        : null;

    private static async Task<JsonDocument> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException json)
        {
            throw OpenAIException.BadRequest("The request body is not valid JSON: " + json.Message);
        }
    }

    private static async Task WriteAsync(HttpResponse response, EmbeddingResult result, string model, bool base64, CancellationToken aborted)
    {
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (int i = 0; i < result.Embeddings.Count; i++)
            {
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                float[] vector = result.Embeddings[i];
                if (base64)
                {
                    // Little-endian float32 bytes, as OpenAI sends them.
                    json.WriteBase64String("embedding", BitConverter.IsLittleEndian ? MemoryMarshal.AsBytes(vector.AsSpan()) : LittleEndian(vector));
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (float v in vector) json.WriteNumberValue(v);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("model", model);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", result.PromptTokens);
            json.WriteNumber("total_tokens", result.PromptTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
    }

    private static byte[] LittleEndian(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (int i = 0; i < vector.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), vector[i]);
        return bytes;
    }
}
