using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MemServe.Anchor;

/// <summary>Which engine ran a side, and on what kernel path.</summary>
internal sealed record EngineInfo(string Engine, string Isa, string Detail);

/// <summary>
/// Per cell (prefill, decode, N sequences) and engine: median, min and max over rounds with the load averages
/// the rounds started at, and the ratio MemServe ÷ LLamaSharp of the medians. Text for people; with
/// <c>--json</c> one line per engine (the fields of <c>memserve bench --json</c>, medians, plus <c>engine</c>,
/// <c>isa</c>, <c>rounds</c>) and, when both ran, a line of ratios.
/// </summary>
internal sealed class AnchorReport(string shape, string dtype, BenchPlan plan)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly List<BenchSample> _samples = [];
    private readonly Dictionary<string, EngineInfo> _engines = [];

    public void Add(BenchSample sample, TextWriter? progress)
    {
        _samples.Add(sample);
        progress?.WriteLine(string.Format(C, "round {0} {1,-10} load {2:F2}  prefill {3,8:F1}  decode {4,7:F1}{5}  tok/s",
            sample.Round, sample.Engine, sample.LoadAverage1m, sample.PrefillTokS, sample.DecodeTokS,
            string.Concat(sample.Batched.Select(b => string.Format(C, "  {0} seqs {1,7:F1}", b.Batch, b.TokS)))));
    }

    public void Describe(EngineInfo info) => _engines[info.Engine] = info;

    public void Print(TextWriter output, bool json)
    {
        var cells = Cells();
        if (json) PrintJson(output, cells);
        else PrintText(output, cells);
    }

    /// <summary>(cell name, JSON field, engine → stats and loads) for prefill, decode and each batch size.</summary>
    private List<(string Name, Dictionary<string, (Stats Stats, Stats Load)> ByEngine)> Cells()
    {
        var cells = new List<(string, Dictionary<string, (Stats, Stats)>)>();
        void Cell(string name, Func<BenchSample, double?> pick)
        {
            var byEngine = new Dictionary<string, (Stats, Stats)>();
            foreach (var group in _samples.GroupBy(s => s.Engine))
            {
                var values = group.Select(pick).Where(v => v.HasValue).Select(v => v!.Value).ToList();
                if (values.Count > 0) byEngine[group.Key] = (Stats.Of(values), Stats.Of(group.Select(s => s.LoadAverage1m).ToList()));
            }
            cells.Add((name, byEngine));
        }
        Cell($"prefill {plan.PromptTokens}", s => s.PrefillTokS);
        Cell($"decode {plan.GenTokens}", s => s.DecodeTokS);
        foreach (int b in plan.Batches) Cell($"{b} seqs together", s => s.Batched.Where(x => x.Batch == b).Select(x => (double?)x.TokS).FirstOrDefault());
        return cells;
    }

    private void PrintText(TextWriter o, List<(string Name, Dictionary<string, (Stats Stats, Stats Load)> ByEngine)> cells)
    {
        o.WriteLine();
        o.WriteLine(string.Format(C, "anchor: shape {0}  dtype {1}  threads {2}  rounds {3}  (tok/s: median (min–max) @ 1-min load average at round start)",
            shape, dtype, plan.Threads, _samples.Select(s => s.Round).DefaultIfEmpty().Max()));
        foreach (EngineInfo e in _engines.Values)
        {
            BenchSample? any = _samples.FirstOrDefault(s => s.Engine == e.Engine);
            o.WriteLine(string.Format(C, "  {0,-10} isa {1}  KV {2}  weights {3:F1} MB  {4}", e.Engine, e.Isa, any?.KvDType, (any?.WeightsBytes ?? 0) / 1e6, e.Detail));
        }
        var header = new StringBuilder(string.Format(C, "  {0,-18}", "cell"));
        foreach (string e in _engines.Keys) header.Append(C, $"  {e,-34}");
        if (_engines.Count == 2) header.Append("  memserve ÷ llamasharp");
        o.WriteLine(header);
        foreach (var (name, byEngine) in cells)
        {
            var line = new StringBuilder(string.Format(C, "  {0,-18}", name));
            foreach (string e in _engines.Keys)
            {
                line.Append(byEngine.TryGetValue(e, out var v)
                    ? string.Format(C, "  {0,8:F1} ({1:F1}–{2:F1}) @ {3:F2}", v.Stats.Median, v.Stats.Min, v.Stats.Max, v.Load.Median).PadRight(36)
                    : "  –".PadRight(36));
            }
            double ratio = Ratio(byEngine);
            if (_engines.Count == 2) line.Append(double.IsNaN(ratio) ? "  –" : string.Format(C, "  {0:F2}×", ratio));
            o.WriteLine(line.ToString().TrimEnd());
        }
    }

    private void PrintJson(TextWriter o, List<(string Name, Dictionary<string, (Stats Stats, Stats Load)> ByEngine)> cells)
    {
        foreach (EngineInfo e in _engines.Values)
        {
            var mine = _samples.Where(s => s.Engine == e.Engine).ToList();
            if (mine.Count == 0) continue;
            o.WriteLine(JsonLine(w =>
            {
                w.WriteString("engine", e.Engine);
                w.WriteString("shape", shape);
                w.WriteString("dtype", dtype);
                w.WriteNumber("threads", plan.Threads);
                w.WriteString("kv_dtype", mine[0].KvDType);
                w.WriteNumber("weights_bytes", mine[0].WeightsBytes);
                w.WriteNumber("prefill_tok_s", Math.Round(Stats.Of(mine.Select(s => s.PrefillTokS).ToList()).Median, 2));
                w.WriteNumber("decode_tok_s", Math.Round(Stats.Of(mine.Select(s => s.DecodeTokS).ToList()).Median, 2));
                w.WriteStartArray("batched");
                foreach (int b in plan.Batches)
                {
                    w.WriteStartObject();
                    w.WriteNumber("batch", b);
                    w.WriteNumber("decode_tok_s", Math.Round(Stats.Of(mine.SelectMany(s => s.Batched).Where(x => x.Batch == b).Select(x => x.TokS).ToList()).Median, 2));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("peak_rss_bytes", mine.Max(s => s.PeakRssBytes));
                w.WriteString("isa", e.Isa);
                w.WriteString("isa_detail", e.Detail);
                w.WriteStartArray("rounds");
                foreach (BenchSample s in mine)
                {
                    w.WriteStartObject();
                    w.WriteNumber("round", s.Round);
                    w.WriteNumber("load_avg_1m", s.LoadAverage1m);
                    w.WriteNumber("prefill_tok_s", Math.Round(s.PrefillTokS, 2));
                    w.WriteNumber("decode_tok_s", Math.Round(s.DecodeTokS, 2));
                    w.WriteStartArray("batched");
                    foreach (var (batch, tokS) in s.Batched)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("batch", batch);
                        w.WriteNumber("decode_tok_s", Math.Round(tokS, 2));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }));
        }
        if (_engines.Count != 2) return;
        o.WriteLine(JsonLine(w =>
        {
            w.WriteString("comparison", "memserve/llamasharp");
            w.WriteString("shape", shape);
            w.WriteString("dtype", dtype);
            w.WriteStartArray("cells");
            foreach (var (name, byEngine) in cells)
            {
                w.WriteStartObject();
                w.WriteString("cell", name);
                foreach (var (engine, (stats, load)) in byEngine)
                {
                    w.WriteStartObject(engine);
                    w.WriteNumber("median", Math.Round(stats.Median, 2));
                    w.WriteNumber("min", Math.Round(stats.Min, 2));
                    w.WriteNumber("max", Math.Round(stats.Max, 2));
                    w.WriteNumber("load_avg_1m", Math.Round(load.Median, 2));
                    w.WriteString("isa", _engines[engine].Isa);
                    w.WriteEndObject();
                }
                double ratio = Ratio(byEngine);
                if (!double.IsNaN(ratio)) w.WriteNumber("ratio", Math.Round(ratio, 3));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }));
    }

    private static double Ratio(Dictionary<string, (Stats Stats, Stats Load)> byEngine) =>
        byEngine.TryGetValue("memserve", out var m) && byEngine.TryGetValue("llamasharp", out var l) ? m.Stats.Median / l.Stats.Median : double.NaN;

    private static string JsonLine(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
