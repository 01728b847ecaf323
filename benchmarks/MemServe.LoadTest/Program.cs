using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

// Load run against a MemServe server's OpenAI endpoint: N concurrent clients each stream R chat
// completions; reports errors, TTFT and latency percentiles, throughput and (with --server-pid) the
// server's peak working set. Usage:
//   dotnet run -c Release --project benchmarks/MemServe.LoadTest -- [--url http://127.0.0.1:5000]
//       [--clients 64] [--rounds 3] [--max-tokens 32] [--server-pid PID]
string url = Arg("--url", "http://127.0.0.1:5000");
int clients = int.Parse(Arg("--clients", "64"));
int rounds = int.Parse(Arg("--rounds", "3"));
int maxTokens = int.Parse(Arg("--max-tokens", "32"));
int? serverPid = Arg("--server-pid", "") is { Length: > 0 } pid ? int.Parse(pid) : null;

using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) };
var ttft = new List<double>();
var latency = new List<double>();
int errors = 0, completed = 0;
long tokens = 0;
long peakBytes = 0;
using var sampling = new CancellationTokenSource();
Task sampler = serverPid is { } id ? SampleMemory(id, sampling.Token) : Task.CompletedTask;

var wall = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
{
    for (int round = 0; round < rounds; round++)
    {
        try
        {
            (double first, double total, int generated) = await StreamOne(client, round);
            lock (ttft)
            {
                ttft.Add(first);
                latency.Add(total);
                tokens += generated;
                completed++;
            }
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref errors);
            Console.Error.WriteLine($"client {client} round {round}: {ex.GetType().Name}: {ex.Message}");
        }
    }
}));
wall.Stop();
await sampling.CancelAsync();
await sampler;

Console.WriteLine($"clients {clients}, rounds {rounds}, max_tokens {maxTokens}");
Console.WriteLine($"completed {completed}, errors {errors}, wall {wall.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"output tokens {tokens}, {tokens / wall.Elapsed.TotalSeconds:F0} tok/s overall");
Console.WriteLine($"TTFT    p50 {Percentile(ttft, 0.5):F3} s, p95 {Percentile(ttft, 0.95):F3} s");
Console.WriteLine($"latency p50 {Percentile(latency, 0.5):F3} s, p95 {Percentile(latency, 0.95):F3} s");
if (serverPid is not null) Console.WriteLine($"server peak working set {peakBytes / (1 << 20)} MiB");
return errors == 0 ? 0 : 1;

async Task<(double Ttft, double Total, int Tokens)> StreamOne(int client, int round)
{
    var clock = Stopwatch.StartNew();
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = JsonContent.Create(new
        {
            messages = new[] { new { role = "user", content = $"Client {client}, round {round}: tell me a story." } },
            max_tokens = maxTokens,
            stream = true,
            stream_options = new { include_usage = true },
        }),
    };
    using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
    double first = -1;
    int generated = 0;
    bool done = false;
    while (await reader.ReadLineAsync() is { } line)
    {
        if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
        if (first < 0) first = clock.Elapsed.TotalSeconds;
        if (line == "data: [DONE]") { done = true; break; }
        using JsonDocument chunk = JsonDocument.Parse(line.AsMemory(6));
        if (chunk.RootElement.TryGetProperty("error", out JsonElement error)) throw new InvalidOperationException(error.ToString());
        if (chunk.RootElement.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
            generated = usage.GetProperty("completion_tokens").GetInt32();
    }
    if (!done) throw new InvalidOperationException("stream ended without [DONE]");
    return (first, clock.Elapsed.TotalSeconds, generated);
}

async Task SampleMemory(int id, CancellationToken cancellationToken)
{
    using Process process = Process.GetProcessById(id);
    while (!cancellationToken.IsCancellationRequested)
    {
        process.Refresh();
        peakBytes = Math.Max(peakBytes, process.WorkingSet64);
        try { await Task.Delay(100, cancellationToken); } catch (OperationCanceledException) { }
    }
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0) return double.NaN;
    double[] sorted = [.. values.Order()];
    return sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
