using System.Text;
using System.Text.Json;
using MemServe.Constraints;
using MemServe.Core.Tests.Tokenization;

namespace MemServe.Core.Tests.Constraints;

/// <summary>Random schemas × random seeds over the real qwen3 (and sentencepiece-32k) vocabularies: tokens are sampled
/// uniformly among the allowed ones; the output must parse and validate against the schema.</summary>
public sealed class SchemaGenerationTests
{
    private static readonly Lazy<TokenVocabulary> s_qwen = new(() => TokenVocabulary.FromTokenizer(TokenizerFixtures.Get(TokenizerFixtures.Qwen3)));
    private static readonly Lazy<TokenVocabulary> s_sentencePiece = new(() => TokenVocabulary.FromTokenizer(TokenizerFixtures.Get(TokenizerFixtures.SentencePiece)));

    internal static TokenVocabulary Qwen => s_qwen.Value;

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_schema_output_parses_and_validates_with_qwen3(int seed)
    {
        var random = new Random(seed);
        string schema = RandomSchema(random, depth: 0).ToJsonString();
        for (int run = 0; run < 3; run++)
        {
            string output = Generate(OutputConstraint.FromJsonSchema(schema), Qwen, random);
            using var doc = JsonDocument.Parse(output);
            using var schemaDoc = JsonDocument.Parse(schema);
            Assert.True(SchemaValidator.Validate(doc.RootElement, schemaDoc.RootElement) is null,
                $"{SchemaValidator.Validate(doc.RootElement, schemaDoc.RootElement)}\nschema: {schema}\noutput: {output}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Json_object_output_parses_as_an_object(int seed)
    {
        var random = new Random(seed);
        foreach (var vocabulary in new[] { Qwen, s_sentencePiece.Value })
        {
            string output = Generate(OutputConstraint.JsonObject(), vocabulary, random);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
    }

    [Fact]
    public void Sentencepiece_vocabulary_follows_a_schema_with_non_ascii_enum_values()
    {
        const string schema = """{"type":"object","properties":{"città":{"enum":["Zürich","東京","naïve ☃"]},"n":{"type":"integer"}},"required":["città","n"],"additionalProperties":false}""";
        var random = new Random(5);
        for (int run = 0; run < 3; run++)
        {
            string output = Generate(OutputConstraint.FromJsonSchema(schema), s_sentencePiece.Value, random);
            using var doc = JsonDocument.Parse(output);
            using var schemaDoc = JsonDocument.Parse(schema);
            Assert.Null(SchemaValidator.Validate(doc.RootElement, schemaDoc.RootElement));
        }
    }

    [Fact]
    public void A_valid_document_encoded_by_the_tokenizer_is_accepted_token_by_token()
    {
        const string schema = """{"type":"object","properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},"age":{"type":"integer"}},"required":["name","tags"],"additionalProperties":false}""";
        const string document = """{"name": "Zoë 🚀 \"quoted\"", "tags": ["a", "b\u00e9"], "age": -12}""";
        var tokenizer = TokenizerFixtures.Get(TokenizerFixtures.Qwen3);
        var matcher = new ConstraintMatcher(OutputConstraint.FromJsonSchema(schema), Qwen);
        foreach (int id in tokenizer.Encode(document))
        {
            Assert.True(matcher.IsAllowed(id), $"token {id} '{tokenizer.Decode([id])}'");
            matcher.Accept(id);
        }
        Assert.True(matcher.MustEnd);
    }

    /// <summary>Samples random allowed tokens until MustEnd, or CanEnd and a coin says stop: on each step a coin picks
    /// uniformly among all allowed tokens or among the allowed tokens holding a closing byte (<c>" } ] ,</c>), since
    /// purely uniform sampling over 150k tokens stays inside a string for thousands of tokens.</summary>
    internal static string Generate(OutputConstraint constraint, TokenVocabulary vocabulary, Random random)
    {
        var matcher = new ConstraintMatcher(constraint, vocabulary);
        var mask = new ulong[(vocabulary.Count + 63) / 64];
        var allowed = new List<int>();
        var closing = new List<int>();
        var bytes = new List<byte>();
        for (int step = 0; step < 5000; step++)
        {
            if (matcher.MustEnd || (matcher.CanEnd && random.Next(2) == 0))
                return Encoding.UTF8.GetString([.. bytes]);
            matcher.FillAllowed(mask);
            allowed.Clear();
            closing.Clear();
            for (int w = 0; w < mask.Length; w++)
            {
                for (ulong bits = mask[w]; bits != 0; bits &= bits - 1)
                {
                    int t = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    allowed.Add(t);
                    if (vocabulary.Bytes(t).IndexOfAny("\"}],"u8) >= 0)
                        closing.Add(t);
                }
            }
            Assert.NotEmpty(allowed);
            var from = closing.Count > 0 && random.Next(2) == 0 ? closing : allowed;
            int pick = from[random.Next(from.Count)];
            matcher.Accept(pick);
            bytes.AddRange(vocabulary.Bytes(pick).ToArray());
        }
        throw new Xunit.Sdk.XunitException($"no end after 5000 tokens: {Encoding.UTF8.GetString([.. bytes])}");
    }

    /// <summary>A random schema of the supported subset; strings are rare so uniform sampling ends in reasonable time.</summary>
    internal static System.Text.Json.Nodes.JsonObject RandomSchema(Random random, int depth)
    {
        int kind = random.Next(depth >= 2 ? 6 : 9);
        return kind switch
        {
            0 => new() { ["type"] = "integer" },
            1 => new() { ["type"] = "boolean" },
            2 => new() { ["enum"] = new System.Text.Json.Nodes.JsonArray("red", "grün", 3, null, true) },
            3 => new() { ["type"] = new System.Text.Json.Nodes.JsonArray("null", "number") },
            4 => new() { ["const"] = "fixé" },
            5 => new() { ["type"] = "string", ["description"] = "free text" },
            6 => new() { ["type"] = "array", ["items"] = RandomSchema(random, depth + 1), ["minItems"] = 1, ["maxItems"] = 3 },
            7 => new() { ["anyOf"] = new System.Text.Json.Nodes.JsonArray(RandomSchema(random, depth + 1), RandomSchema(random, depth + 1)) },
            _ => RandomObject(random, depth),
        };
    }

    private static System.Text.Json.Nodes.JsonObject RandomObject(Random random, int depth)
    {
        var properties = new System.Text.Json.Nodes.JsonObject();
        var required = new System.Text.Json.Nodes.JsonArray();
        int n = 1 + random.Next(4);
        for (int i = 0; i < n; i++)
        {
            string name = "p" + i + (random.Next(3) == 0 ? "é" : "");
            properties[name] = RandomSchema(random, depth + 1);
            if (random.Next(2) == 0)
                required.Add(name);
        }
        var schema = new System.Text.Json.Nodes.JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
        int extra = random.Next(3);
        schema["additionalProperties"] = extra == 0 ? false : extra == 1 ? (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["type"] = "integer" } : false;
        return schema;
    }
}
