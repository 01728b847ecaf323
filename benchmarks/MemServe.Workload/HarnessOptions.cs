using System.Globalization;
using MemServe.Workload.Generators;
using MemServe.Workload.Traces;

namespace MemServe.Workload;

/// <summary>
/// Command-line options of the harness. Immutable once parsed; <see cref="Parse"/> throws
/// <see cref="ArgumentException"/> naming the bad option.
/// </summary>
internal sealed record HarnessOptions
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project benchmarks/MemServe.Workload -- [options]
          --workloads LIST        sharegpt,loogle,react,trace (default: all)
          --setups LIST           setup names or matrices: single, disaggregation, routing (default: all)
          --rate R                Poisson session arrivals per second (default 2)
          --think-ms MS           mean think time between a session's turns (default 200)
          --seed N                seed of every generator (default 42)
          --scale X               multiplies sessions / documents / conversations (default 1)
          --threads N             compute threads of a single engine (default 2)
          --instance-threads N    compute threads of each cluster instance (default 1)
          --instances N           cluster instances (default 4)
          --prefill-instances N   prefill instances of PD clusters (default half)
          --routing-disaggregation NAME  strategy of the routing matrix (default colocated; e.g. pd-caching-3)
          --trace PATH            Mooncake trace (default the conversation trace)
          --trace-conversations N conversations replayed (default 8)
          --trace-block-tokens B  tokens per 512-token hash block (default 16)
          --trace-time-factor F   replay seconds per trace second (default 0.002)
          --repeat N              runs per cell, interleaved and pooled (default 1)
          --time-limit-s S        wall-clock limit per run (default 300)
          --json FILE             also write every run as JSON
          --json-requests         put every request (times, tokens, cached tokens) in the JSON too
          --compare FILE          compare each run with the same cell of an earlier --json file
          --list                  describe the workloads and setups, run nothing
        """;

    /// <summary>Workload names to run.</summary>
    public IReadOnlyList<string> Workloads { get; init; } = ["sharegpt", "loogle", "react", "trace"];

    /// <summary>Setup names or matrix names to run; empty means all.</summary>
    public IReadOnlyList<string> Setups { get; init; } = [];

    /// <summary>Generator settings.</summary>
    public GeneratorOptions Generator { get; init; } = new();

    /// <summary>Trace replay settings.</summary>
    public TraceOptions Trace { get; init; } = new();

    /// <summary>Threads of a single engine.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Threads of each cluster instance.</summary>
    public int InstanceThreads { get; init; } = 1;

    /// <summary>Cluster instances.</summary>
    public int Instances { get; init; } = 4;

    /// <summary>Runs per (setup, workload) cell, pooled.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>Prefill instances of PD clusters; null is half.</summary>
    public int? PrefillInstances { get; init; }

    /// <summary>Disaggregation strategy of the routing matrix.</summary>
    public string RoutingDisaggregation { get; init; } = "colocated";

    /// <summary>Limit of one run.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Where to write the JSON report; null writes none.</summary>
    public string? JsonPath { get; init; }

    /// <summary>List every request in the JSON report.</summary>
    public bool JsonRequests { get; init; }

    /// <summary>An earlier JSON report to compare with; null compares nothing.</summary>
    public string? ComparePath { get; init; }

    /// <summary>Describe and exit.</summary>
    public bool ListOnly { get; init; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var options = new HarnessOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            double Double() => double.Parse(Value(), CultureInfo.InvariantCulture);
            options = name switch
            {
                "--workloads" => options with { Workloads = List(Value()) },
                "--setups" => options with { Setups = List(Value()) },
                "--rate" => options with { Generator = options.Generator with { SessionsPerSecond = Double() } },
                "--think-ms" => options with { Generator = options.Generator with { MeanThinkTime = TimeSpan.FromMilliseconds(Double()) } },
                "--seed" => options with { Generator = options.Generator with { Seed = Int() } },
                "--scale" => options with { Generator = options.Generator with { Scale = Double() } },
                "--threads" => options with { Threads = Int() },
                "--instance-threads" => options with { InstanceThreads = Int() },
                "--instances" => options with { Instances = Int() },
                "--trace" => options with { Trace = options.Trace with { Path = Value() } },
                "--trace-conversations" => options with { Trace = options.Trace with { Conversations = Int() } },
                "--trace-block-tokens" => options with { Trace = options.Trace with { BlockTokens = Int() } },
                "--trace-time-factor" => options with { Trace = options.Trace with { TimeFactor = Double() } },
                "--prefill-instances" => options with { PrefillInstances = Int() },
                "--routing-disaggregation" => options with { RoutingDisaggregation = Value() },
                "--repeat" => options with { Repeat = Math.Max(1, Int()) },
                "--time-limit-s" => options with { TimeLimit = TimeSpan.FromSeconds(Double()) },
                "--json" => options with { JsonPath = Value() },
                "--json-requests" => options with { JsonRequests = true },
                "--compare" => options with { ComparePath = Value() },
                "--list" => options with { ListOnly = true },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }
        if (MooncakeTrace.TraceBlockTokens % options.Trace.BlockTokens != 0)
            throw new ArgumentException("--trace-block-tokens must divide 512");
        return options;
    }

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
