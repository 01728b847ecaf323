using System.CommandLine;
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
    /// <summary>The <c>generate</c> command, writing results to <paramref name="output"/> and the streaming summary to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var engine = new EngineOptions();
        var cluster = new ClusterOptions();
        var request = new RequestOptions();
        Option<string?> prompt = CliOptions.Text("--prompt", "TEXT", "The prompt text (streamed output)");
        Option<int[]?> promptIds = CliOptions.IntList("--prompt-ids", "1,2,3", "The prompt as comma-separated token ids");
        Option<string?> requests = CliOptions.ExistingFile("--requests", "FILE.jsonl",
            "One request per line: prompt or prompt_ids, optionally max_tokens, temperature, top_p, top_k, min_p, seed, ignore_eos, stop, session");
        Option<bool> sequential = CliOptions.Flag("--sequential", "Run the --requests one after another instead of together");
        Option<bool> json = EngineOptions.Json("Print the result as one JSON object (always so with --requests)");
        Option<string?> remote = RemoteSetup.CreateOption();
        var command = new Command("generate", "Generate from one prompt (streamed, or JSON) or from a JSONL file of requests run together")
        {
            prompt, promptIds, requests, sequential, json, remote,
        };
        request.AddTo(command);
        engine.AddTo(command);
        cluster.AddTo(command);
        command.Validators.Add(r =>
        {
            int sources = (CliOptions.IsGiven(r, prompt) ? 1 : 0) + (CliOptions.IsGiven(r, promptIds) ? 1 : 0) + (CliOptions.IsGiven(r, requests) ? 1 : 0);
            if (sources != 1) r.AddError("give exactly one of --prompt, --prompt-ids or --requests");
        });
        command.SetAction(r => Run(engine.Read(r), cluster.Read(r), request.Read(r), r.GetValue(prompt), CliOptions.GetList(r, promptIds),
            r.GetValue(requests), r.GetValue(sequential), r.GetValue(json), RemoteSetup.Read(r, remote), output, error));
        return command;
    }

    private static int Run(EngineSetup setup, ClusterSetup cluster, GenerationRequest defaults, string? prompt, int[]? promptIds,
        string? requestsPath, bool sequential, bool json, IReadOnlyList<string>? remote, TextWriter output, TextWriter error)
    {
        List<GenerationRequest>? batch = requestsPath is null ? null : RequestFile.Read(requestsPath, defaults);
        using ServedEngine served = remote is null ? setup.CreateServed(cluster) : new ServedEngine(RemoteSetup.Connect(remote, cluster), null);
        ILlmEngine engine = served.Engine;
        if (batch is not null) return RunBatch(engine, batch, sequential, output);
        GenerationRequest request = defaults with { Prompt = prompt, PromptTokenIds = promptIds };
        return json ? RunJson(engine, request, output) : RunStreaming(engine, request, output, error);
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
