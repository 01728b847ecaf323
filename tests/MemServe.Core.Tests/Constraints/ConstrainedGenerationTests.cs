using System.Text.Json;
using MemServe.Cluster.Remote;
using MemServe.Constraints;
using MemServe.Core.Tests.Engine;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Sampling;
using MemServe.Tokenization;

namespace MemServe.Core.Tests.Constraints;

/// <summary>
/// Output constraints through the engine: the embedded default model (random weights, its real byte-level tokenizer)
/// sampled at temperature 1 under JSON Schemas and grammars; every output that ends with Stop must parse and validate,
/// and schemas without free text must always end that way.
/// </summary>
[Collection(nameof(NativeMemoryCollection))]
public class ConstrainedGenerationTests
{
    // Bounded: every path through it ends within a few dozen tokens, so a random model must finish it.
    private const string BoundedSchema = """
        {"type":"object","properties":{
          "ok":{"type":"boolean"},
          "color":{"enum":["red","green","blue"]},
          "tags":{"type":"array","items":{"enum":["a","b","c"]},"minItems":1,"maxItems":3},
          "inner":{"type":"object","properties":{"n":{"const":7},"v":{"type":"null"}},"required":["n","v"],"additionalProperties":false}
        },"required":["ok","color","tags","inner"],"additionalProperties":false}
        """;

    private static Tokenizer DefaultTokenizer() => Tokenizer.FromJson(DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson);

    private static LlmEngine CreateEngine(Tokenizer tokenizer, bool prefixCache = false) =>
        LlmEngine.Create(DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer, new LlmEngineOptions
        {
            Threads = 2,
            MemoryBudgetBytes = 512L << 20,
            OwnsWeights = true,
            ModelName = DefaultModel.Name,
            PrefixCache = new MemServe.Memory.PrefixCacheOptions { Enabled = prefixCache },
        });

    private static GenerationRequest Request(OutputConstraint constraint, long seed, int maxTokens = 160) => new()
    {
        Prompt = "Describe the item as JSON:",
        Constraint = constraint,
        MaxTokens = maxTokens,
        Sampling = new SamplingParameters { Temperature = 1f, Seed = seed },
    };

    [Fact]
    public async Task Bounded_schema_outputs_always_finish_and_validate()
    {
        await using LlmEngine engine = CreateEngine(DefaultTokenizer());
        OutputConstraint constraint = OutputConstraint.FromJsonSchema(BoundedSchema);
        using JsonDocument schema = JsonDocument.Parse(BoundedSchema);

        for (int seed = 1; seed <= 8; seed++)
        {
            GenerationResult result = await engine.CompleteAsync(Request(constraint, seed)).WaitAsync(TestEngines.Patience);

            Assert.Equal(FinishReason.Stop, result.FinishReason);
            using JsonDocument output = JsonDocument.Parse(result.Text);
            Assert.Null(SchemaValidator.Validate(output.RootElement, schema.RootElement));
        }
        await TestEngines.IdleAsync(engine);
        engine.Pool.CheckIntegrity();
    }

    public static TheoryData<string> SamplingSettings => new() { "top-k", "top-p", "min-p", "penalties", "logit-bias", "greedy" };

    [Theory]
    [MemberData(nameof(SamplingSettings))]
    public async Task Every_sampling_setting_keeps_to_the_schema(string setting)
    {
        await using LlmEngine engine = CreateEngine(DefaultTokenizer());
        using JsonDocument schema = JsonDocument.Parse(BoundedSchema);
        var sampling = new SamplingParameters { Temperature = 1f, Seed = 51 };
        sampling = setting switch
        {
            "top-k" => sampling with { TopK = 3 },
            "top-p" => sampling with { TopP = 0.5f },
            "min-p" => sampling with { MinP = 0.2f },
            "penalties" => sampling with { RepetitionPenalty = 1.3f, PresencePenalty = 1f, FrequencyPenalty = 1f },
            "logit-bias" => sampling with { LogitBias = new Dictionary<int, float> { [DefaultTokenizer().Encode("{")[0]] = -100f, [5] = 100f } },
            _ => SamplingParameters.Greedy,
        };

        GenerationResult result = await engine.CompleteAsync(Request(OutputConstraint.FromJsonSchema(BoundedSchema), 0) with { Sampling = sampling })
            .WaitAsync(TestEngines.Patience);

        Assert.Equal(FinishReason.Stop, result.FinishReason);
        using JsonDocument output = JsonDocument.Parse(result.Text);
        Assert.Null(SchemaValidator.Validate(output.RootElement, schema.RootElement));
    }

    [Fact]
    public async Task Json_object_outputs_that_end_parse_as_objects()
    {
        await using LlmEngine engine = CreateEngine(DefaultTokenizer());
        for (int seed = 1; seed <= 6; seed++)
        {
            GenerationResult result = await engine.CompleteAsync(Request(OutputConstraint.JsonObject(), seed, maxTokens: 64)).WaitAsync(TestEngines.Patience);
            Assert.StartsWith("{", result.Text, StringComparison.Ordinal);
            if (result.FinishReason != FinishReason.Stop) continue;
            using JsonDocument output = JsonDocument.Parse(result.Text);
            Assert.Equal(JsonValueKind.Object, output.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task A_grammar_with_nothing_after_its_end_finishes_even_when_eos_is_ignored()
    {
        await using LlmEngine engine = CreateEngine(DefaultTokenizer());
        OutputConstraint constraint = OutputConstraint.FromGbnf("""root ::= "yes" | "no" | "maybe later" """);
        for (int seed = 1; seed <= 4; seed++)
        {
            GenerationRequest request = Request(constraint, seed) with { IgnoreEos = true };

            GenerationResult result = await engine.CompleteAsync(request).WaitAsync(TestEngines.Patience);

            Assert.Equal(FinishReason.Stop, result.FinishReason);
            Assert.Contains(result.Text, new[] { "yes", "no", "maybe later" });
        }
    }

    [Fact]
    public async Task Constrained_and_free_requests_batched_together_match_their_runs_alone()
    {
        await using LlmEngine engine = CreateEngine(DefaultTokenizer());
        OutputConstraint schema = OutputConstraint.FromJsonSchema(BoundedSchema);
        OutputConstraint digits = OutputConstraint.FromGbnf("""root ::= [0-9]{3} "-" [0-9]{2}""");
        GenerationRequest[] requests =
        [
            Request(schema, 11),
            Request(digits, 12),
            Request(schema, 13) with { Sampling = SamplingParameters.Greedy },
            new GenerationRequest { Prompt = "free text", MaxTokens = 12, IgnoreEos = true, Sampling = new SamplingParameters { Seed = 14 } },
        ];
        var alone = new string[requests.Length];
        for (int i = 0; i < requests.Length; i++) alone[i] = (await engine.CompleteAsync(requests[i]).WaitAsync(TestEngines.Patience)).Text;

        GenerationResult[] together = await Task.WhenAll(requests.Select(r => engine.CompleteAsync(r))).WaitAsync(TestEngines.Patience);

        for (int i = 0; i < requests.Length; i++) Assert.Equal(alone[i], together[i].Text);
        Assert.Matches("^[0-9]{3}-[0-9]{2}$", together[1].Text);
    }

    [Fact]
    public async Task A_cached_prompt_gives_the_same_constrained_output_as_an_uncached_one()
    {
        OutputConstraint constraint = OutputConstraint.FromJsonSchema(BoundedSchema);
        GenerationRequest request = Request(constraint, 21) with { Prompt = string.Concat(Enumerable.Repeat("A long shared prefix. ", 12)) };
        string uncached;
        await using (LlmEngine engine = CreateEngine(DefaultTokenizer()))
            uncached = (await engine.CompleteAsync(request).WaitAsync(TestEngines.Patience)).Text;

        await using LlmEngine cached = CreateEngine(DefaultTokenizer(), prefixCache: true);
        string first = (await cached.CompleteAsync(request).WaitAsync(TestEngines.Patience)).Text;
        GenerationResult second = await cached.CompleteAsync(request).WaitAsync(TestEngines.Patience);

        Assert.Equal(uncached, first);
        Assert.Equal(uncached, second.Text);
        Assert.True(second.Usage.CachedPromptTokens > 0);
    }

    [Fact]
    public async Task Every_choice_of_a_constrained_request_follows_the_schema()
    {
        await using LlmEngine engine = CreateEngine(DefaultTokenizer());
        using JsonDocument schema = JsonDocument.Parse(BoundedSchema);
        GenerationRequest request = Request(OutputConstraint.FromJsonSchema(BoundedSchema), 31) with { N = 3, Logprobs = 2 };
        var texts = new System.Text.StringBuilder[3];
        for (int i = 0; i < 3; i++) texts[i] = new System.Text.StringBuilder();
        var reasons = new FinishReason?[3];

        await foreach (GenerationUpdate update in engine.GenerateAsync(request).WithCancellation(CancellationToken.None))
        {
            texts[update.ChoiceIndex].Append(update.TextDelta);
            Assert.NotNull(update.Logprobs);
            if (update.IsFinal) reasons[update.ChoiceIndex] = update.FinishReason;
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(FinishReason.Stop, reasons[i]);
            using JsonDocument output = JsonDocument.Parse(texts[i].ToString());
            Assert.Null(SchemaValidator.Validate(output.RootElement, schema.RootElement));
        }
        await TestEngines.IdleAsync(engine);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task A_prefill_decode_split_gives_the_single_engines_constrained_output()
    {
        OutputConstraint constraint = OutputConstraint.FromJsonSchema(BoundedSchema);
        GenerationRequest request = Request(constraint, 41);
        string expected;
        await using (LlmEngine single = CreateEngine(DefaultTokenizer()))
            expected = (await single.CompleteAsync(request).WaitAsync(TestEngines.Patience)).Text;
        var instances = new List<MemServe.Cluster.LocalEngineInstance>
        {
            new("p0", MemServe.Cluster.InstanceRole.Prefill, CreateEngine(DefaultTokenizer())),
            new("d0", MemServe.Cluster.InstanceRole.Decode, CreateEngine(DefaultTokenizer())),
        };
        await using var cluster = new MemServe.Cluster.LlmCluster(instances,
            new MemServe.Cluster.LlmClusterOptions { Disaggregation = MemServe.Cluster.DisaggregationStrategies.PdBasic });

        GenerationResult result = await cluster.CompleteAsync(request).WaitAsync(TestEngines.Patience);

        Assert.Equal(expected, result.Text);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
        using JsonDocument output = JsonDocument.Parse(result.Text);
        using JsonDocument schema = JsonDocument.Parse(BoundedSchema);
        Assert.Null(SchemaValidator.Validate(output.RootElement, schema.RootElement));
    }

    [Fact]
    public void The_remote_codec_carries_the_constraint()
    {
        OutputConstraint constraint = OutputConstraint.FromJsonSchema(BoundedSchema);

        GenerationRequest read = RoundTrip(new GenerationRequest { Prompt = "p", Constraint = constraint });

        Assert.NotNull(read.Constraint);
        Assert.Equal("json_schema", read.Constraint!.Description);
        Assert.Equal(constraint.Gbnf, read.Constraint.Gbnf);
        Assert.Null(RoundTrip(new GenerationRequest { Prompt = "p" }).Constraint);
    }

    private static GenerationRequest RoundTrip(GenerationRequest request)
    {
        using var w = new WireWriter();
        GenerationRequestCodec.Write(w, request);
        return GenerationRequestCodec.Read(w.Written.Span);
    }
}
