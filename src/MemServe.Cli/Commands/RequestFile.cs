using System.Text.Json;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// Reads a JSONL request file for <c>memserve generate --requests</c>: one object per line with
/// <c>prompt_ids</c> or <c>prompt</c>, and optionally <c>max_tokens</c>, <c>temperature</c>, <c>top_p</c>,
/// <c>top_k</c>, <c>min_p</c>, <c>seed</c>, <c>ignore_eos</c>, <c>stop</c> (string or array), <c>session</c>
/// (a conversation id for session-affinity routing in a cluster).
/// Fields a line leaves out take the command line's values.
/// </summary>
internal static class RequestFile
{
    public static List<GenerationRequest> Read(string path, GenerationRequest defaults)
    {
        var requests = new List<GenerationRequest>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                requests.Add(Parse(doc.RootElement, defaults));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                throw new CliUsageException($"{path}:{lineNumber}: {ex.Message}");
            }
        }
        return requests;
    }

    private static GenerationRequest Parse(JsonElement e, GenerationRequest defaults)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException("each line must be a JSON object");
        string? prompt = e.TryGetProperty("prompt", out JsonElement p) ? p.GetString() : null;
        int[]? ids = null;
        if (e.TryGetProperty("prompt_ids", out JsonElement idArray))
        {
            ids = new int[idArray.GetArrayLength()];
            int i = 0;
            foreach (JsonElement id in idArray.EnumerateArray()) ids[i++] = id.GetInt32();
        }
        if ((prompt is null) == (ids is null)) throw new FormatException("give exactly one of \"prompt\" or \"prompt_ids\"");

        SamplingParameters s = defaults.Sampling;
        s = s with
        {
            Temperature = e.TryGetProperty("temperature", out JsonElement t) ? t.GetSingle() : s.Temperature,
            TopP = e.TryGetProperty("top_p", out JsonElement tp) ? tp.GetSingle() : s.TopP,
            TopK = e.TryGetProperty("top_k", out JsonElement tk) ? tk.GetInt32() : s.TopK,
            MinP = e.TryGetProperty("min_p", out JsonElement mp) ? mp.GetSingle() : s.MinP,
            Seed = e.TryGetProperty("seed", out JsonElement seed) && seed.ValueKind != JsonValueKind.Null ? seed.GetInt64() : s.Seed,
        };
        return defaults with
        {
            Prompt = prompt,
            PromptTokenIds = ids,
            Sampling = s,
            MaxTokens = e.TryGetProperty("max_tokens", out JsonElement mt) ? mt.GetInt32() : defaults.MaxTokens,
            IgnoreEos = e.TryGetProperty("ignore_eos", out JsonElement ie) ? ie.GetBoolean() : defaults.IgnoreEos,
            StopStrings = e.TryGetProperty("stop", out JsonElement stop) ? StopList(stop) : defaults.StopStrings,
            SessionId = e.TryGetProperty("session", out JsonElement session) ? session.GetString() : defaults.SessionId,
        };
    }

    private static string[] StopList(JsonElement stop) => stop.ValueKind switch
    {
        JsonValueKind.String => [stop.GetString()!],
        JsonValueKind.Array => stop.EnumerateArray().Select(x => x.GetString() ?? "").ToArray(),
        JsonValueKind.Null => [],
        _ => throw new FormatException("\"stop\" must be a string or an array of strings"),
    };
}
