using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemServe.Constraints;

namespace MemServe.Core.Tests.Constraints;

/// <summary><see cref="OutputConstraint.JsonObject"/> against System.Text.Json: everything it accepts parses as an
/// object, and every compact object System.Text.Json writes is accepted. Also the mask cache's bounds.</summary>
public sealed class JsonObjectDifferentialTests
{
    private static readonly TokenVocabulary s_bytes = TokenVocabulary.FromBytes([.. Enumerable.Range(0, 256).Select(b => new[] { (byte)b })]);

    private static bool Accepts(OutputConstraint constraint, byte[] text)
    {
        var matcher = new ConstraintMatcher(constraint, s_bytes);
        foreach (byte b in text)
        {
            if (!matcher.IsAllowed(b))
                return false;
            matcher.Accept(b);
        }
        return matcher.CanEnd;
    }

    [Fact]
    public void Random_byte_strings_it_accepts_parse_as_objects()
    {
        string[] pieces = ["{", "}", "[", "]", "\"", "\"k\"", ":", ",", " ", "\n", "1", "-", "0", ".5", "e3", "true", "null", "\\", "\\n", "\\u00e9", "é", "\t", "x"];
        var random = new Random(17);
        var constraint = OutputConstraint.JsonObject();
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var sb = new StringBuilder("{");
            int n = random.Next(1, 12);
            for (int k = 0; k < n; k++)
                sb.Append(pieces[random.Next(pieces.Length)]);
            byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
            if (!Accepts(constraint, bytes))
                continue;
            accepted++;
            using var doc = JsonDocument.Parse(bytes);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        Assert.True(accepted > 20, $"only {accepted} random strings were objects");
    }

    [Fact]
    public void Compact_objects_written_by_system_text_json_are_accepted()
    {
        var random = new Random(23);
        var constraint = OutputConstraint.JsonObject();
        for (int i = 0; i < 300; i++)
        {
            var node = RandomObject(random, 0);
            Assert.True(Accepts(constraint, Encoding.UTF8.GetBytes(node.ToJsonString())), node.ToJsonString());
            Assert.True(Accepts(constraint, Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))));
        }
    }

    [Fact]
    public void Mask_cache_stays_bounded_and_returns_its_bytes_when_cleared()
    {
        var cache = new MaskCache();
        long before = MaskCache.ProcessBytes;
        for (int i = 0; i < MaskCache.MaxEntries + 10; i++)
            cache.Add(((ulong)i, 0), new ulong[4]);
        Assert.InRange(cache.Count, 1, MaskCache.MaxEntries);
        Assert.True(cache.TryGet(((ulong)MaskCache.MaxEntries + 9, 0), out _));
        cache.Clear();
        Assert.Equal(0, cache.Count);
        Assert.Equal(before, MaskCache.ProcessBytes);
    }

    private static JsonObject RandomObject(Random random, int depth)
    {
        var obj = new JsonObject();
        int n = random.Next(depth > 2 ? 2 : 4);
        for (int i = 0; i < n; i++)
            obj["k" + i + (random.Next(4) == 0 ? "\"é\n" : "")] = RandomValue(random, depth + 1);
        return obj;
    }

    private static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 2 ? 5 : 7) switch
    {
        0 => JsonValue.Create(random.Next(-1000, 1000)),
        1 => JsonValue.Create(random.NextDouble() * 1e6),
        2 => JsonValue.Create("s\t\"😀" + random.Next()),
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => null,
        5 => new JsonArray(RandomValue(random, depth + 1), RandomValue(random, depth + 1)),
        _ => RandomObject(random, depth),
    };
}
