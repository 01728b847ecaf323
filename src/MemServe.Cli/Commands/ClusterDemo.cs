using System.Diagnostics;
using System.Globalization;
using MemServe.Cluster;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve demo --cluster</c>: the same multi-session chat workload (sessions share a system prompt, each turn's
/// prompt is the session's whole history, sessions run concurrently) on a fresh 4-instance in-process cluster per
/// routing policy, prompt-tree against round-robin, with a table of prefix reuse and time to first token.
/// </summary>
internal static class ClusterDemo
{
    private const int Instances = 4;
    private static readonly string[] s_policies = [RoutingPolicies.PromptTree, RoutingPolicies.RoundRobin];

    private const string SystemPrompt =
        "You are the MemServe assistant. A global scheduler routes each request to the instance whose prompt tree " +
        "holds the longest prefix of it, unless that instance is too busy. Answer briefly.\n";

    public static void Run(EngineSetup setup, int sessions, int turns, int maxTokens, TextWriter output)
    {
        output.WriteLine($"cluster demo: {Instances} in-process instances, {sessions} concurrent sessions x {turns} turns, " +
            $"{maxTokens} tokens per answer, greedy");
        output.WriteLine("routing        requests  prompt tok  cached tok  hit %   TTFT mean ms  TTFT p90 ms  wall s");
        using LoadedModel model = LoadedModel.Load(setup.ModelDirectory);
        foreach (string policy in s_policies)
        {
            ClusterSetup cluster = ClusterSetup.Colocated(Instances, policy);
            LlmCluster engine = cluster.CreateCluster(setup, model);
            try
            {
                Row row = RunWorkload(engine, sessions, turns, maxTokens);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{policy,-13}  {row.Requests,8}  {row.PromptTokens,10}  {row.CachedTokens,10}  {100.0 * row.CachedTokens / Math.Max(1, row.PromptTokens),5:0.0}  {row.TtftMean,12:0.0}  {row.TtftP90,11:0.0}  {row.WallSeconds,6:0.00}"));
            }
            finally
            {
                engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private static Row RunWorkload(LlmCluster cluster, int sessions, int turns, int maxTokens)
    {
        var ttft = new List<double>();
        long prompt = 0, cached = 0;
        var clock = Stopwatch.StartNew();
        var tasks = new Task[sessions];
        for (int s = 0; s < sessions; s++)
        {
            int session = s;
            tasks[s] = Task.Run(async () =>
            {
                var history = new List<int>(cluster.Tokenizer.Encode(SystemPrompt + $"Session {session}.\n"));
                for (int t = 0; t < turns; t++)
                {
                    history.AddRange(cluster.Tokenizer.Encode($"User: question {t + 1} of session {session}?\nAssistant:"));
                    var request = new GenerationRequest
                    {
                        PromptTokenIds = [.. history], MaxTokens = maxTokens, IgnoreEos = true,
                        Sampling = SamplingParameters.Greedy, SessionId = $"s{session}",
                    };
                    GenerationResult result = await cluster.CompleteAsync(request).ConfigureAwait(false);
                    lock (ttft)
                    {
                        ttft.Add(result.Timings.TimeToFirstToken.TotalMilliseconds);
                        prompt += result.Usage.PromptTokens;
                        cached += result.Usage.CachedPromptTokens;
                    }
                    history.AddRange(result.TokenIds);
                }
            });
        }
        Task.WaitAll(tasks);
        double wall = clock.Elapsed.TotalSeconds;
        ttft.Sort();
        double mean = 0;
        foreach (double v in ttft) mean += v / ttft.Count;
        double p90 = ttft[Math.Min(ttft.Count - 1, (int)Math.Ceiling(0.9 * ttft.Count) - 1)];
        return new Row(ttft.Count, prompt, cached, mean, p90, wall);
    }

    private readonly record struct Row(int Requests, long PromptTokens, long CachedTokens, double TtftMean, double TtftP90, double WallSeconds);
}
