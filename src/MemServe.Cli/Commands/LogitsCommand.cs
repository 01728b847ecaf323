using System.CommandLine;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve logits [--model DIR] --prompt-ids 1,2,3 [--top K] [--all] [--json]</c>: the logits of the last
/// prompt position, straight from the runner (no sampling, no engine).
/// </summary>
internal static class LogitsCommand
{
    /// <summary>The <c>logits</c> command, writing to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        Option<string?> model = EngineOptions.Model();
        Option<int[]?> promptIds = CliOptions.IntList("--prompt-ids", "1,2,3", "The prompt as comma-separated token ids");
        promptIds.Required = true;
        Option<int> top = CliOptions.Int("--top", "How many of the highest logits to list", 10, min: 0);
        Option<bool> all = CliOptions.Flag("--all", "With --json, also print every logit of the vocabulary");
        Option<bool> json = EngineOptions.Json();
        Option<int?> threads = EngineOptions.Threads(min: 0);
        var command = new Command("logits", "The last prompt position's logits straight from the runner (no sampling, no engine)")
        {
            model, promptIds, top, all, json, threads,
        };
        command.SetAction(r => Run(r.GetValue(model), CliOptions.GetList(r, promptIds)!, r.GetValue(top), r.GetValue(all), r.GetValue(json),
            r.GetValue(threads) ?? 0, output));
        return command;
    }

    private static int Run(string? directory, int[] ids, int top, bool all, bool json, int threads, TextWriter output)
    {
        using LoadedModel model = LoadedModel.Load(directory);
        float[] logits = LastPositionLogits(model, ids, threads);
        int[] order = TopIndices(logits, Math.Min(top, logits.Length));
        if (json)
        {
            JsonOut.Line(output, w =>
            {
                w.WriteStartArray("top");
                foreach (int id in order)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", id);
                    w.WriteNumber("logit", logits[id]);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                if (all)
                {
                    w.WriteStartArray("logits");
                    foreach (float v in logits) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
            });
        }
        else
        {
            foreach (int id in order) output.WriteLine($"{id}\t{logits[id]:G9}\t{model.Tokenizer.Decode([id])}");
        }
        return 0;
    }

    /// <summary>Runs the prompt through the whole model in chunks and returns the last position's logits.</summary>
    public static float[] LastPositionLogits(LoadedModel model, int[] ids, int threads)
    {
        ModelConfig config = model.Config;
        PromptValidation.Validate(ids, config.VocabSize, config.MaxPositionEmbeddings);
        int chunk = Math.Min(ids.Length, 512);
        using var runner = new CpuModelRunner(config, model.Weights, new CpuRunnerOptions
        {
            MaxBatchTokens = chunk,
            MaxBatchSequences = 1,
            Threads = threads,
        });
        KvCacheLayout layout = runner.KvLayout;
        int blocks = layout.BlocksFor(ids.Length);
        using var kv = new KvBlockStorage(layout, blocks, budget: null);
        var blockTable = new int[blocks];
        for (int i = 0; i < blocks; i++) blockTable[i] = i;

        var batch = new ForwardBatch(kv, chunk, 1);
        ForwardOutput? result = null;
        for (int start = 0; start < ids.Length; start += chunk)
        {
            int n = Math.Min(chunk, ids.Length - start);
            batch.Clear();
            batch.Add(ids.AsSpan(start, n), start, blockTable, needsLogits: start + n == ids.Length);
            result = runner.Forward(batch, LayerRange.All(config.NumLayers));
        }
        return result!.Logits(0).ToArray();
    }

    private static int[] TopIndices(float[] logits, int k)
    {
        var order = new int[logits.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => logits[b] != logits[a] ? logits[b].CompareTo(logits[a]) : a.CompareTo(b));
        return order[..k];
    }
}
