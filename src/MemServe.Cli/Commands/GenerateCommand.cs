using System.Text.Json;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve generate</c>: one prompt streamed to the console (or printed as JSON), or a JSONL file of
/// requests submitted to one engine together (or one after another with <c>--sequential</c>).
/// </summary>
internal static class GenerateCommand
{
    /// <summary>Tokens generated when neither the command line nor a request says.</summary>
    public const int DefaultMaxTokens = 128;

    public static int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        EngineSetup setup = EngineSetup.Read(args);
        ClusterSetup cluster = ClusterSetup.Read(args);
        GenerationRequest defaults = ReadRequestOptions(args);
        string? prompt = args.Get("prompt");
        int[]? promptIds = args.GetIntList("prompt-ids");
        string? requestsPath = args.Get("requests");
        bool sequential = args.Has("sequential");
        bool json = args.Has("json");
        args.ThrowIfUnused();
        int sources = (prompt is null ? 0 : 1) + (promptIds is null ? 0 : 1) + (requestsPath is null ? 0 : 1);
        if (sources != 1) throw new CliUsageException("give exactly one of --prompt, --prompt-ids or --requests");

        List<GenerationRequest>? batch = requestsPath is null ? null : RequestFile.Read(requestsPath, defaults);
        using ServedEngine served = setup.CreateServed(cluster);
        ILlmEngine engine = served.Engine;
        if (batch is not null) return RunBatch(engine, batch, sequential, output);
        GenerationRequest request = defaults with { Prompt = prompt, PromptTokenIds = promptIds };
        return json ? RunJson(engine, request, output) : RunStreaming(engine, request, output, error);
    }

    /// <summary>Reads the sampling and stopping options shared by every generate mode.</summary>
    public static GenerationRequest ReadRequestOptions(CliArgs args)
    {
        string? stop = args.Get("stop");
        var sampling = new SamplingParameters
        {
            Temperature = (float)(args.GetDouble("temperature") ?? 0),
            TopK = args.GetInt("top-k") ?? 0,
            TopP = (float)(args.GetDouble("top-p") ?? 1),
            MinP = (float)(args.GetDouble("min-p") ?? 0),
            RepetitionPenalty = (float)(args.GetDouble("repetition-penalty") ?? 1),
            Seed = args.GetLong("seed"),
        };
        return new GenerationRequest
        {
            Sampling = sampling,
            MaxTokens = args.GetInt("max-tokens") ?? DefaultMaxTokens,
            IgnoreEos = args.Has("ignore-eos"),
            StopStrings = stop is null ? [] : [stop],
        };
    }

    private static int RunStreaming(ILlmEngine engine, GenerationRequest request, TextWriter output, TextWriter error)
    {
        GenerationUpdate? last = null;
        Task.Run(async () =>
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request))
            {
                output.Write(update.TextDelta);
                output.Flush();
                last = update;
            }
        }).GetAwaiter().GetResult();
        output.WriteLine();
        if (last?.Usage is { } usage && last.Timings is { } timings)
        {
            error.WriteLine(
                $"[{Name(last.FinishReason)}: {usage.PromptTokens} prompt tokens, {usage.OutputTokens} output tokens, " +
                $"time to first token {timings.TimeToFirstToken.TotalMilliseconds:0.0} ms, total {timings.Total.TotalMilliseconds:0} ms]");
        }
        return 0;
    }

    private static int RunJson(ILlmEngine engine, GenerationRequest request, TextWriter output)
    {
        GenerationResult result = engine.CompleteAsync(request).GetAwaiter().GetResult();
        JsonOut.Line(output, w => WriteResult(w, result));
        return 0;
    }

    private static int RunBatch(ILlmEngine engine, List<GenerationRequest> requests, bool sequential, TextWriter output)
    {
        var results = new GenerationResult[requests.Count];
        if (sequential)
        {
            for (int i = 0; i < requests.Count; i++) results[i] = engine.CompleteAsync(requests[i]).GetAwaiter().GetResult();
        }
        else
        {
            var tasks = new Task<GenerationResult>[requests.Count];
            for (int i = 0; i < requests.Count; i++)
            {
                GenerationRequest r = requests[i];
                tasks[i] = Task.Run(() => engine.CompleteAsync(r));
            }
            Task.WaitAll(tasks);
            for (int i = 0; i < tasks.Length; i++) results[i] = tasks[i].Result;
        }
        for (int i = 0; i < results.Length; i++)
        {
            int index = i;
            JsonOut.Line(output, w =>
            {
                w.WriteNumber("index", index);
                WriteResult(w, results[index]);
                w.WriteNumber("ttft_ms", Math.Round(results[index].Timings.TimeToFirstToken.TotalMilliseconds, 3));
            });
        }
        return 0;
    }

    private static void WriteResult(Utf8JsonWriter w, GenerationResult result)
    {
        w.WriteStartArray("output_ids");
        foreach (int id in result.TokenIds) w.WriteNumberValue(id);
        w.WriteEndArray();
        w.WriteString("text", result.Text);
        w.WriteString("finish_reason", Name(result.FinishReason));
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", result.Usage.PromptTokens);
        w.WriteNumber("cached_prompt_tokens", result.Usage.CachedPromptTokens);
        w.WriteNumber("output_tokens", result.Usage.OutputTokens);
        w.WriteEndObject();
    }

    private static string Name(FinishReason? reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => "unknown",
    };
}
