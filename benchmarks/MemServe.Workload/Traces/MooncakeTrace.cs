using System.Text.Json;
using MemServe.Workload.Generators;

namespace MemServe.Workload.Traces;

/// <summary>
/// Reads the Mooncake traces under <c>/work/shared/testdata/traces/</c> and turns their hash ids into prompt
/// token ids for a small model: each hash id becomes a fixed run of <c>blockTokens</c> ids
/// (<see cref="TokenSource.ForBlock"/>), so equal id prefixes give equal token prefixes. Lengths shrink by
/// <see cref="TraceBlockTokens"/> / <c>blockTokens</c>. Shared by the workload harness and the prefix-cache
/// hit-rate replay in MemServe.Benchmarks (linked source).
/// </summary>
internal static class MooncakeTrace
{
    /// <summary>Tokens per hash id in the released traces.</summary>
    public const int TraceBlockTokens = 512;

    /// <summary>The default trace file.</summary>
    public const string DefaultPath = "/work/shared/testdata/traces/mooncake_conversation_trace.jsonl";

    /// <summary>Every request of <paramref name="path"/>, in file order.</summary>
    public static List<MooncakeRequest> Read(string path)
    {
        var requests = new List<MooncakeRequest>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            JsonElement ids = root.GetProperty("hash_ids");
            var hashIds = new int[ids.GetArrayLength()];
            int i = 0;
            foreach (JsonElement id in ids.EnumerateArray()) hashIds[i++] = id.GetInt32();
            requests.Add(new MooncakeRequest(
                root.GetProperty("timestamp").GetInt64(),
                root.GetProperty("input_length").GetInt32(),
                root.GetProperty("output_length").GetInt32(),
                hashIds));
        }
        return requests;
    }

    /// <summary>Scaled prompt length: the input length divided by 512 / <paramref name="blockTokens"/>
    /// (rounded up), never past the request's hash blocks nor <paramref name="maxTokens"/>, at least 1.</summary>
    public static int ScaledPromptLength(MooncakeRequest request, int blockTokens, int maxTokens)
    {
        int factor = TraceBlockTokens / blockTokens;
        int length = (request.InputLength + factor - 1) / factor;
        length = Math.Min(length, request.HashIds.Length * blockTokens);
        return Math.Max(1, Math.Min(length, maxTokens));
    }

    /// <summary>The prompt of <paramref name="request"/>: its hash ids' token runs, cut to
    /// <see cref="ScaledPromptLength"/>.</summary>
    public static int[] Prompt(MooncakeRequest request, int blockTokens, int maxTokens, int vocabSize)
    {
        var prompt = new int[ScaledPromptLength(request, blockTokens, maxTokens)];
        for (int b = 0; b * blockTokens < prompt.Length; b++)
        {
            int count = Math.Min(blockTokens, prompt.Length - b * blockTokens);
            TokenSource.ForBlock(request.HashIds[b], prompt.AsSpan(b * blockTokens, count), vocabSize);
        }
        return prompt;
    }
}
